"""`tuichart check` through the real CLI against a replaying exchange process and real stores."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import duckdb

from tests.cli.helpers import run_cli
from tests.data_paths import VISION_ZIPS
from tests.e2e.harness import SourceRow, exact, exchange_process
from tests.e2e.test_record import stored
from tuichart.binance.rest import RestClient
from tuichart.binance.vision import read_kline_file
from tuichart.domain import DECIMAL_FIELDS, MINUTE_MS, Candle, Interval, SeriesKey
from tuichart.exchange import EmbeddedExchange, replay_market
from tuichart.jobs.check import check_store
from tuichart.store import STORE_FILE, Store
from tuichart.timeparse import parse_time

DAY1 = parse_time("2020-01-01")


def source_rows(*files: Path) -> dict[int, SourceRow]:
    """The exchange's own candles, read from the files it replays, as the store's rows (exact decimals)."""
    rows: dict[int, SourceRow] = {}
    for f in files:
        for c in read_kline_file(f):
            rows[c.open_time] = _row(c)
    return rows


def _row(c: Candle) -> SourceRow:
    decimals = {name: exact(c, name) for name in DECIMAL_FIELDS}
    return (
        decimals["open"],
        decimals["high"],
        decimals["low"],
        decimals["close"],
        decimals["volume"],
        c.close_time,
        decimals["quote_volume"],
        c.trades,
        decimals["taker_buy_volume"],
        decimals["taker_buy_quote_volume"],
    )


def sql(data: Path, *statements: str) -> None:
    con = duckdb.connect(str(data / STORE_FILE))
    for s in statements:
        con.execute(s)
    con.close()


def check(data: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli("check", "BTCUSDT", "-i", "1m", *args, "--exchange", url, "--data-dir", data)


def summary(stdout: str) -> tuple[int, int, int, int]:
    """(checked, missing, duplicated, differing) from the first summary line of BTCUSDT 1m."""
    line = r"^BTCUSDT 1m: (\d+) candles? checked, .*?: (\d+) missing, (\d+) duplicated, (\d+) differing"
    m = re.search(line, stdout, re.M)
    assert m, stdout
    return int(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4))


def test_check_finds_a_deleted_range_and_an_altered_row_and_repair_makes_the_store_equal(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cli("import", VISION_ZIPS[0], VISION_ZIPS[1], "--data-dir", data).returncode == 0
    sql(
        data,
        "DELETE FROM klines WHERE open_time BETWEEN '2020-01-01 05:00' AND '2020-01-01 05:29'",
        "DELETE FROM klines WHERE open_time = '2020-01-02 13:07'",
        "UPDATE klines SET close = close + 0.00000001, trades = trades + 1 WHERE open_time = '2020-01-01 07:00'",
    )
    with exchange_process("--replay", *VISION_ZIPS, "--start", "2020-01-03T06:00") as ex:
        before = check(data, ex.url, "--until", "2020-01-02T23:59")
        assert before.returncode == 3, before.stderr
        assert summary(before.stdout) == (2880, 31, 0, 1)
        assert before.stdout.splitlines()[1:5] == [
            "BTCUSDT 1m: missing 2020-01-01 05:00 .. 2020-01-01 05:29 UTC (30 candles)",
            "BTCUSDT 1m: missing 2020-01-02 13:07 UTC (1 candle)",
            "BTCUSDT 1m: differing 2020-01-01 07:00 UTC (1 candle: close, trades)",
            "the store does not match the exchange in 1 of 1 series",
        ]
        assert "comparing BTCUSDT 1m" in before.stderr and "--repair" in before.stderr  # about the run: stderr
        assert "comparing" not in before.stdout
        assert len(stored(data)) == 2880 - 31, "a check without --repair changed the store"

        clock = ex.clock()
        default = check(data, ex.url)  # from the first stored candle to the newest closed one
        m = re.search(r"^BTCUSDT 1m: missing 2020-01-03 00:00 \.\. 2020-01-03 (\d\d:\d\d) UTC", default.stdout, re.M)
        assert default.returncode == 3 and m, default.stdout
        newest = parse_time("2020-01-03T" + m.group(1))
        assert clock - 2 * MINUTE_MS <= newest + MINUTE_MS <= ex.clock(), "not up to the newest closed candle"

        repaired = check(data, ex.url, "--until", "2020-01-02T23:59", "--repair")
        assert repaired.returncode == 0, repaired.stderr
        assert summary(repaired.stdout) == (2880, 31, 0, 1)
        assert "BTCUSDT 1m: 32 candles written from the exchange" in repaired.stdout
        assert re.search(r"after the repair: 2880 candles checked, .*: 0 missing, 0 duplicated, 0 differing$",
                         repaired.stdout, re.M), repaired.stdout  # fmt: skip
        assert "the store matches the exchange (1 series, 2880 candles)" in repaired.stdout

        again = check(data, ex.url, "--until", "2020-01-02T23:59")
        assert again.returncode == 0 and summary(again.stdout) == (2880, 0, 0, 0), again.stdout
    rows = stored(data)
    src = source_rows(VISION_ZIPS[0], VISION_ZIPS[1])
    assert [r[0] for r in rows] == sorted(src), "missing or duplicated candles"
    differing = [r[0] for r in rows if r[1:] != src[r[0]]]
    assert differing == []
    con = duckdb.connect(str(data / STORE_FILE), read_only=True)
    without = con.execute("SELECT count(*) FROM klines k ANTI JOIN indicators i USING (symbol, interval, open_time)")
    assert without.fetchone() == (0,), "repaired candles have no indicator rows"
    con.close()


def holed_day(tmp_path: Path) -> Path:
    """Day 1 without the ten candles 10:00 .. 10:09, as the exchange's own history (a maintenance window)."""
    rows = zipfile.ZipFile(VISION_ZIPS[0]).read(VISION_ZIPS[0].name[:-4] + ".csv").decode().splitlines()
    holed = tmp_path / "replay" / "BTCUSDT-1m-2020-01-01.csv"
    holed.parent.mkdir()
    holed.write_text("\n".join(rows[:600] + rows[610:]) + "\n")
    return holed


def test_a_gap_the_exchange_has_is_not_missing(tmp_path: Path) -> None:
    holed = holed_day(tmp_path)
    data = tmp_path / "data"
    assert run_cli("import", holed, "--data-dir", data).returncode == 0
    with exchange_process("--replay", holed, "--start", "2020-01-02T00:00") as ex:
        whole = check(data, ex.url)
        assert whole.returncode == 0, whole.stdout + whole.stderr
        assert summary(whole.stdout) == (1430, 0, 0, 0)
        assert "the exchange itself has no candles for 10 (not missing)" in whole.stdout
        assert "BTCUSDT 1m: the exchange has no candles 2020-01-01 10:00 .. 2020-01-01 10:09 UTC (10 candles)" in (
            whole.stdout
        )

        sql(data, "DELETE FROM klines WHERE open_time BETWEEN '2020-01-01 09:50' AND '2020-01-01 10:20'")
        holes = check(data, ex.url, "--since", "2020-01-01T09:00", "--until", "2020-01-01T11:59")
        assert holes.returncode == 3
        assert summary(holes.stdout) == (170, 21, 0, 0)
        assert "BTCUSDT 1m: missing 2020-01-01 09:50 .. 2020-01-01 09:59 UTC (10 candles)" in holes.stdout
        assert "BTCUSDT 1m: missing 2020-01-01 10:10 .. 2020-01-01 10:20 UTC (11 candles)" in holes.stdout

        repaired = check(data, ex.url, "--since", "2020-01-01T09:00", "--repair")
        assert repaired.returncode == 0, repaired.stdout + repaired.stderr
        assert "BTCUSDT 1m: 21 candles written from the exchange" in repaired.stdout
    src = source_rows(holed)
    rows = stored(data)
    assert [r[0] for r in rows] == sorted(src) and all(r[1:] == src[r[0]] for r in rows)
    con = duckdb.connect(str(data / STORE_FILE), read_only=True)
    gaps = con.execute("SELECT epoch_ms(first_open), epoch_ms(last_open) FROM exchange_gaps").fetchall()
    con.close()
    assert gaps == [(DAY1 + 600 * MINUTE_MS, DAY1 + 609 * MINUTE_MS)]  # remembered, so backfill does not ask again


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cli("import", VISION_ZIPS[0], "--data-dir", data).returncode == 0
    before = (data / STORE_FILE).read_bytes()
    with exchange_process("--replay", VISION_ZIPS[0], "--start", "2020-01-02T00:00") as ex:
        cases = [
            (["NOPEUSDT", "-i", "1m"], "unknown or not trading symbol 'NOPEUSDT'"),
            (["BTCUSDT", "-i", "1x"], "unknown interval '1x'"),
            (["BTCUSDT", "-i", "1m", "--since", "2020-13-01"], "cannot read the time '2020-13-01'"),
            (["BTCUSDT", "-i", "1m", "--since", "2020-01-02", "--until", "2020-01-01"], "is before --since"),
            (["BTCUSDT", "-i", "1h"], "the store holds no BTCUSDT 1h candles; give --since DATE"),
            (["BTCUSDT", "-i", "1m", "--since", "2030-01-01", "--repair"], "is after the exchange's clock"),
        ]
        for args, message in cases:
            r = run_cli("check", *args, "--exchange", ex.url, "--data-dir", data)
            assert r.returncode == 2, (args, r.stdout, r.stderr)
            lines = r.stderr.strip().splitlines()
            assert len(lines) == 1 and message in lines[0] and "Traceback" not in r.stderr, (args, r.stderr)
            assert r.stdout == ""
        nowhere = run_cli("check", "BTCUSDT", "-i", "1m", "--exchange", ex.url, "--data-dir", tmp_path / "none")
        assert nowhere.returncode == 2 and "no store in" in nowhere.stderr
    assert (data / STORE_FILE).read_bytes() == before
    assert not (tmp_path / "none").exists()


async def test_progress_counts_every_candle_compared_then_every_candle_checked_again(tmp_path: Path) -> None:
    key = SeriesKey("BTCUSDT", Interval.M1)
    day = read_kline_file(VISION_ZIPS[0])
    market = replay_market([VISION_ZIPS[0]], start_ms=DAY1 + 1440 * MINUTE_MS)
    seen: list[tuple[str, int, int | None]] = []
    with Store.open(tmp_path / "data") as store:
        store.upsert(key, day[:700] + day[720:])
        async with EmbeddedExchange(market) as ex, RestClient(ex.url) as rest:
            spans = {key: (DAY1, DAY1 + 1439 * MINUTE_MS)}
            reports = await check_store(
                rest, store, spans, await rest.server_time(), repair=True, progress=lambda *a: seen.append(a)
            )
        assert store.count(key) == 1440
    compared = [(done, total) for task, done, total in seen if task == "comparing candles"]
    again = [(done, total) for task, done, total in seen if task == "checking again"]
    assert compared == [(0, 1440), (1000, 1440), (1440, 1440)]  # one step per page of 1000
    assert again == [(0, 1440), (1000, 1440), (1440, 1440)]
    assert reports[key].repaired == 20 and reports[key].final.matches
