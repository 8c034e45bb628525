"""Prices and volumes come back digit for digit: values of 17 and 20 significant digits through import, the
store and export (CSV and Parquet), the exchange's REST and websocket, and an older store's upgrade."""

from __future__ import annotations

import tempfile
import zipfile
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.cli.helpers import run_cli
from tests.data_paths import VISION_ZIPS
from tests.e2e.harness import exchange_process
from tuichart.domain import Interval, SeriesKey
from tuichart.jobs.exporter import export_series
from tuichart.jobs.importer import import_files, prepare_import
from tuichart.store import STORE_FILE, Store

KEY = SeriesKey("BTCUSDT", Interval.M1)
T0 = 1_577_836_800_000  # 2020-01-01, Binance's first 1m candle of the real day files
MAX_UNITS = 10**20 - 1  # units of 1e-8: up to 20 significant digits


def text(units: int) -> str:
    """Units of 1e-8 as Binance writes them, independently of the code under test."""
    return f"{units // 10**8}.{units % 10**8:08d}"


@st.composite
def kline_lines(draw: st.DrawFn) -> list[str]:
    """Binance CSV lines whose prices and volumes have up to 20 significant digits (OHLC consistent)."""
    n = draw(st.integers(1, 25))
    values = st.integers(0, MAX_UNITS)
    lines = []
    for i in range(n):
        low, a, b, high = sorted(draw(st.lists(values, min_size=4, max_size=4)))
        o, c = (a, b) if draw(st.booleans()) else (b, a)
        volume, quote = draw(values), draw(values)
        taker, taker_quote = draw(st.integers(0, volume)), draw(st.integers(0, quote))
        t = T0 + i * 60_000
        lines.append(
            f"{t},{text(o)},{text(high)},{text(low)},{text(c)},{text(volume)},{t + 59_999},{text(quote)},"
            f"{draw(st.integers(0, 10**6))},{text(taker)},{text(taker_quote)},0"
        )
    return lines


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(kline_lines())
def test_random_20_digit_values_round_trip_byte_for_byte(lines: list[str]) -> None:
    source = "\n".join(lines) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "BTCUSDT-1m-2020-01-01.csv"
        src.write_text(source)
        data = Path(tmp) / "data"
        with Store.open(data, fallback=False) as store:
            files, _ = prepare_import([src])
            import_files(store, files)
            out = Path(tmp) / "out.csv"
            assert export_series(store, KEY, "csv", out) == len(lines)
            assert out.read_text() == source
            pq = Path(tmp) / "out.parquet"
            export_series(store, KEY, "parquet", pq)
        with Store.open(Path(tmp) / "again", fallback=False) as store:  # Parquet back in, CSV out
            files, _ = prepare_import([pq])
            import_files(store, files)
            export_series(store, KEY, "csv", out)
            assert out.read_text() == source


BIG = [
    "80539283.67261260",  # 17 digits: a real 2026 BTCUSDT 1h quote volume that a double turns into ...259
    "999999999999.99999999",  # 20 digits: the volume of a tiny-priced coin's month
    "123456789012.34567891",  # 20 digits
    "92233720368.54775808",  # just past int64 in units of 1e-8
    "0.00000001",
]


def big_day(directory: Path) -> tuple[Path, list[str]]:
    """The first real day of BTCUSDT 1m with 17- and 20-digit volumes in place of the real ones."""
    with zipfile.ZipFile(VISION_ZIPS[0]) as zf:
        rows = zf.read(zf.namelist()[0]).decode().splitlines()
    lines = []
    for i, row in enumerate(rows):
        f = row.split(",")
        f[5], f[7], f[10] = BIG[i % len(BIG)], BIG[(i + 1) % len(BIG)], BIG[(i + 2) % len(BIG)]
        lines.append(",".join(f))
    path = directory / "BTCUSDT-1m-2020-01-01.csv"
    path.write_text("\n".join(lines) + "\n")
    return path, lines


def test_export_then_import_csv_and_parquet_through_the_cli(tmp_path: Path) -> None:
    src, lines = big_day(tmp_path)
    assert run_cli("import", src, "--data-dir", tmp_path / "a").returncode == 0
    csv_out, pq_out = tmp_path / "btc.csv", tmp_path / "btc.parquet"
    r = run_cli("export", "BTCUSDT", "-i", "1m", "-o", csv_out, "--data-dir", tmp_path / "a")
    assert r.returncode == 0, r.stderr
    assert csv_out.read_text().splitlines() == lines
    r = run_cli("export", "BTCUSDT", "-i", "1m", "--format", "parquet", "-o", pq_out, "--data-dir", tmp_path / "a")
    assert r.returncode == 0, r.stderr
    quote = duckdb.connect().execute(f"SELECT quote_volume FROM '{pq_out}' ORDER BY open_time LIMIT 1").fetchone()
    assert quote == (Decimal(BIG[1]),)  # Parquet keeps the decimal type
    r = run_cli("import", csv_out, "--symbol", "BTCUSDT", "-i", "1m", "--data-dir", tmp_path / "b")
    assert r.returncode == 0, r.stderr
    r = run_cli("import", pq_out, "--data-dir", tmp_path / "c")  # the file says its series
    assert r.returncode == 0, r.stderr
    for data in ("b", "c"):
        out = tmp_path / f"{data}.csv"
        assert run_cli("export", "BTCUSDT", "-i", "1m", "-o", out, "--data-dir", tmp_path / data).returncode == 0
        assert out.read_text().splitlines() == lines
    with_header = tmp_path / "ind.csv"
    r = run_cli("export", "BTCUSDT", "-i", "1m", "-o", with_header, "--indicators", "rsi", "--data-dir", tmp_path / "a")
    assert r.returncode == 0 and with_header.read_text().startswith("open_time,open,")
    r = run_cli("import", with_header, "--symbol", "BTCUSDT", "-i", "1m", "--data-dir", tmp_path / "d")
    assert r.returncode == 0, r.stderr
    out = tmp_path / "d.csv"
    assert run_cli("export", "BTCUSDT", "-i", "1m", "-o", out, "--data-dir", tmp_path / "d").returncode == 0
    assert out.read_text().splitlines() == lines


def test_a_file_named_for_another_series_is_refused(tmp_path: Path) -> None:
    r = run_cli("import", VISION_ZIPS[0], "-i", "1h", "--data-dir", tmp_path / "d")
    assert r.returncode == 2 and "the file name says 1m, not 1h" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    r = run_cli("import", VISION_ZIPS[0], "--symbol", "ETHUSDT", "--data-dir", tmp_path / "d")
    assert r.returncode == 2 and "the file name says BTCUSDT, not ETHUSDT" in r.stderr


def stored_lines(data: Path) -> dict[int, str]:
    """Stored rows as Binance's CSV lines, by open time, read with DuckDB alone."""
    with duckdb.connect(str(data / STORE_FILE), read_only=True) as con:
        rows = con.execute(
            "SELECT epoch_ms(open_time), open, high, low, close, volume, epoch_ms(close_time), quote_volume, trades, "
            "taker_buy_volume, taker_buy_quote_volume FROM klines ORDER BY open_time"
        ).fetchall()
    return {int(r[0]): ",".join(f"{v:.8f}" if isinstance(v, Decimal) else str(v) for v in r) + ",0" for r in rows}


def test_rest_and_websocket_values_are_stored_digit_for_digit(tmp_path: Path) -> None:
    src, lines = big_day(tmp_path)
    by_open = {int(line.split(",")[0]): line for line in lines}
    with exchange_process("--replay", src, "--speed", "600", "--start", "2020-01-01T12:00") as ex:
        r = run_cli(
            "backfill", "BTCUSDT", "-i", "1m", "--since", "2020-01-01T00:00", "--until", "2020-01-01T01:59",
            "--exchange", ex.url, "--data-dir", tmp_path / "rest",
        )  # fmt: skip
        assert r.returncode == 0, r.stderr
        r = run_cli(
            "record", "BTCUSDT", "-i", "1m", "--duration", "3", "--exchange", ex.url, "--data-dir", tmp_path / "ws"
        )
        assert r.returncode == 0, r.stderr
    rest = stored_lines(tmp_path / "rest")
    assert len(rest) == 120 and all(line == by_open[t] for t, line in rest.items())
    ws = stored_lines(tmp_path / "ws")
    assert len(ws) >= 10  # candles closed on the websocket while recording, and the REST catch-up before them
    assert {t: by_open[t] for t in ws} == ws


def test_an_older_store_is_upgraded_in_place(tmp_path: Path) -> None:
    """A store written before prices were DECIMAL (DOUBLE columns, schema 2) keeps every row, now exact."""
    data = tmp_path / "old"
    data.mkdir()
    with duckdb.connect(str(data / STORE_FILE)) as con:
        con.execute("CREATE TABLE tuichart_meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute("INSERT INTO tuichart_meta VALUES ('schema_version', '2')")
        con.execute(
            'CREATE TABLE klines (symbol VARCHAR NOT NULL, "interval" VARCHAR NOT NULL, open_time TIMESTAMP NOT NULL, '
            "open DOUBLE, high DOUBLE, low DOUBLE, close DOUBLE, volume DOUBLE, close_time TIMESTAMP, "
            "quote_volume DOUBLE, trades BIGINT, taker_buy_volume DOUBLE, taker_buy_quote_volume DOUBLE, "
            'PRIMARY KEY (symbol, "interval", open_time))'
        )
        con.execute(
            "INSERT INTO klines VALUES ('BTCUSDT', '1m', make_timestamp(1577836800000000), 7195.24, 7196.25, 7183.14, "
            "7186.68, 51.642812, make_timestamp(1577836859999000), 371233.51835535, 493, 19.59823, 140888.41428273)"
        )
    out = tmp_path / "out.csv"
    r = run_cli("export", "BTCUSDT", "-i", "1m", "-o", out, "--data-dir", data)
    assert r.returncode == 0, r.stderr  # a read-only export reads the old layout as it is
    assert out.read_text().splitlines() == [VISION_FIRST_LINE]
    with Store.open(data) as store:  # the first writer upgrades it
        assert store.load_candles(KEY)[0].close == 7186.68
    with duckdb.connect(str(data / STORE_FILE), read_only=True) as con:
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'klines'"
            ).fetchall()
        )
        assert types["open"] == types["taker_buy_quote_volume"] == "DECIMAL(38,8)"
        assert con.execute("SELECT value FROM tuichart_meta WHERE key = 'schema_version'").fetchone() == ("3",)
    assert run_cli("export", "BTCUSDT", "-i", "1m", "-o", out, "--data-dir", data).returncode == 0
    assert out.read_text().splitlines() == [VISION_FIRST_LINE]


VISION_FIRST_LINE = (
    "1577836800000,7195.24000000,7196.25000000,7183.14000000,7186.68000000,51.64281200,1577836859999,"
    "371233.51835535,493,19.59823000,140888.41428273,0"
)


@pytest.mark.parametrize(
    ("value", "units"),
    [
        ("80539283.67261260", 8053928367261260),
        ("999999999999.99999999", 99999999999999999999),
        ("0.00000001", 1),
        ("7195.24", 719524000000),
        ("-1.5", -150000000),
        ("12", 1200000000),
        ("1e-5", 1000),
        ("0.000000015", 2),  # more places than Binance writes: rounded half-even
        ("0.000000025", 2),
    ],
)
def test_decimal_text_to_units_and_back(value: str, units: int) -> None:
    from tuichart.decimals import text8, units8

    assert units8(value) == units
    assert Decimal(text8(units)) == Decimal(units).scaleb(-8)


@pytest.mark.parametrize("bad", ["", "abc", "1.2.3", "nan", "inf", "1,5"])
def test_non_numbers_are_refused(bad: str) -> None:
    from tuichart.decimals import units8

    with pytest.raises(ValueError, match="not a"):
        units8(bad)
