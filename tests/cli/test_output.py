"""One rule for every command: results on stdout; progress, warnings and errors on stderr."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from tests.cli.helpers import run_cli
from tests.data_paths import VISION_ZIPS
from tests.e2e.harness import exchange_process
from tuichart.plural import plural
from tuichart.store import STORE_FILE
from tuichart.timeparse import format_minute

BARS = {"TTY_COMPATIBLE": "1"}  # rich draws its progress bars as on a terminal, into the captured stderr


def test_plural_and_minute() -> None:
    assert [plural(n, "candle") for n in (0, 1, 2)] == ["0 candles", "1 candle", "2 candles"]
    assert plural(1, "entry", "entries") == "1 entry" and plural(3, "entry", "entries") == "3 entries"
    assert format_minute(1_795_766_100_000) == "2026-11-27 07:55"
    assert format_minute(1_795_766_101_000) == "2026-11-27 07:55:01"  # 1s candles keep their second


def test_store_commands_print_results_on_stdout_and_progress_on_stderr(tmp_path: Path) -> None:
    data = tmp_path / "data"
    imp = run_cli("import", *VISION_ZIPS, "--data-dir", data, env=BARS)
    assert imp.returncode == 0, imp.stderr
    assert imp.stdout.splitlines() == ["imported 4320 BTCUSDT 1m candles", f"3 files into {data}, 3 checksums verified"]
    assert "verifying checksums" in imp.stderr and "3/3" in imp.stderr and "imported" not in imp.stderr

    out = tmp_path / "btc.csv"
    exp = run_cli("export", "BTCUSDT", "-i", "1m", "-o", out, "--data-dir", data, env=BARS)
    assert exp.returncode == 0, exp.stderr
    assert exp.stdout.splitlines() == [f"exported 4320 BTCUSDT 1m candles to {out}"]
    assert "exporting" in exp.stderr and "4320/4320" in exp.stderr and "exported" not in exp.stderr

    with duckdb.connect(str(data / STORE_FILE)) as con:  # one candle without indicators: a warning, singular
        con.execute("DELETE FROM indicators WHERE open_time = TIMESTAMP '2020-01-02 00:00:00'")
    piped = run_cli("export", "BTCUSDT", "-i", "1m", "-o", "-", "--indicators", "rsi", "--data-dir", data)
    assert piped.returncode == 0, piped.stderr
    assert piped.stderr.splitlines() == [
        "note: 1 BTCUSDT 1m candle has no stored indicators (empty cells); "
        "`tuichart indicators rebuild BTCUSDT -i 1m` computes them"
    ]
    rows = piped.stdout.splitlines()  # the CSV alone
    assert len(rows) == 4321 and rows[0].endswith(",rsi") and rows[1].startswith("1577836800000,")

    rebuilt = run_cli("indicators", "rebuild", "BTCUSDT", "-i", "1m", "--data-dir", data, env=BARS)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert rebuilt.stdout.splitlines() == ["BTCUSDT 1m: 4320 indicator rows"]
    assert "indicators BTCUSDT 1m" in rebuilt.stderr and "indicator rows" not in rebuilt.stderr

    bad = run_cli("export", "BTCUSDT", "-i", "7m", "-o", out, "--data-dir", data)
    assert bad.returncode == 2 and bad.stdout == "" and bad.stderr.startswith("tuichart: ")


def test_lists_print_on_stdout_only(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[[alerts]]\nid = "a1"\nsymbol = "BTCUSDT"\ninterval = "1h"\nwhen = "price crosses 100000"\n')
    listed = run_cli("alerts", "list", env={"TUICHART_CONFIG": str(cfg)})
    assert listed.returncode == 0 and listed.stderr == ""
    assert [line.split()[:3] for line in listed.stdout.splitlines()] == [
        ["id", "symbol", "interval"],
        ["a1", "BTCUSDT", "1h"],
    ]
    indicators = run_cli("indicators", "list")
    assert indicators.returncode == 0 and indicators.stderr == ""
    assert indicators.stdout.splitlines()[0].split()[:2] == ["name", "label"]
    assert any(line.startswith("rsi ") for line in indicators.stdout.splitlines())


def test_backfill_and_record_print_results_on_stdout(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with exchange_process("--replay", *VISION_ZIPS, "--speed", "600", "--start", "2020-01-03T06:00") as ex:
        filled = run_cli(
            "backfill", "BTCUSDT", "-i", "1m", "--since", "2020-01-02T00:00", "--until", "2020-01-02T00:00",
            "--exchange", ex.url, "--data-dir", data, env=BARS,
        )  # fmt: skip
        assert filled.returncode == 0, filled.stderr
        assert filled.stdout.splitlines() == ["BTCUSDT 1m: 1 candle written"]
        assert "downloading candles" in filled.stderr and "written" not in filled.stderr

        rec = run_cli("record", "BTCUSDT", "-i", "1m", "--duration", "2", "--exchange", ex.url, "--data-dir", data)
    assert rec.returncode == 0, rec.stderr
    host = ex.url.removeprefix("http://")
    resume, serving, recording = rec.stderr.splitlines()  # it resumes after the newest stored candle
    assert re.fullmatch(r"BTCUSDT 1m: resuming at 2020-01-02 00:01 UTC: about \d+ candles to fetch", resume), resume
    assert re.fullmatch(r"serving 127\.0\.0\.1:\d+: tuichart, web, export, scan and alerts fired on this data dir "
                        r"attach to it", serving), serving  # fmt: skip
    assert recording == f"recording BTCUSDT 1m from {host} into {data} for 2 s"
    span, total = rec.stdout.splitlines()
    when = r"(2020-01-0[23] \d\d:\d\d)"
    m = re.fullmatch(rf"BTCUSDT 1m: (\d+) closed candles, open times {when} \.\. {when} UTC", span)
    assert m, span
    with duckdb.connect(str(data / STORE_FILE), read_only=True) as con:
        first, last = con.execute(
            "SELECT strftime(min(open_time), '%Y-%m-%d %H:%M'), strftime(max(open_time), '%Y-%m-%d %H:%M') "
            "FROM klines WHERE open_time > TIMESTAMP '2020-01-02'"
        ).fetchone()  # type: ignore[misc]
    assert (m.group(2), m.group(3)) == (first, last)  # the times people read are the stored candles' UTC times
    fills = r"\d+ gaps? filled"  # the downtime, and any close whose push came late
    assert re.fullmatch(rf"{m.group(1)} closed candles recorded, {fills}, 0 gaps the exchange has, 0 candles missing, "
                        r"0 reconnects", total), total  # fmt: skip
