"""Stored indicators: written on import, rebuilt on request, exported by name, kept in step by the book."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest
import talib

from tests.cli.helpers import run_cli
from tests.data_paths import VISION_ZIPS
from tests.indicators.data import vision_candles
from tuichart.domain import Interval, KlineEvent, SeriesKey, revalued
from tuichart.indicators import arrays_from_candles, compute
from tuichart.indicators.book import IndicatorBook
from tuichart.jobs.exporter import export_series
from tuichart.jobs.indicator_rebuild import rebuild_series
from tuichart.store import STORE_FILE, Store, store_history
from tuichart.store.schema import INDICATOR_COLUMNS

KEY = SeriesKey("BTCUSDT", Interval.M1)


def stored_frame(data: Path) -> pl.DataFrame:
    with duckdb.connect(str(data / STORE_FILE), read_only=True) as con:
        frame: pl.DataFrame = con.sql("SELECT * FROM ohlc_data ORDER BY timestamp").pl()
    return frame


def assert_equal_to_batch(frame: pl.DataFrame, expected: dict[str, np.ndarray]) -> None:
    close = frame["close"].to_numpy()
    for name in INDICATOR_COLUMNS:
        got = frame[name].fill_null(float("nan")).to_numpy()
        want = expected[name]
        assert np.array_equal(np.isnan(got), np.isnan(want)), name
        ok = ~np.isnan(want)
        tol = 1e-9 if name in ("rsi", "stoch_k", "stoch_d") else 1e-9 * close[ok]
        assert np.all(np.abs(got[ok] - want[ok]) <= tol), name


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("stored") / "data"
    r = run_cli("import", *VISION_ZIPS, "--data-dir", data)
    assert r.returncode == 0, r.stderr
    return data


def test_import_fills_the_indicators_table(imported: Path) -> None:
    frame = stored_frame(imported)
    assert frame.height == 4320
    assert frame.columns[:8] == ["timestamp", "symbol", "interval", "open", "high", "low", "close", "volume"]
    assert tuple(frame.columns[8:]) == INDICATOR_COLUMNS
    assert_equal_to_batch(frame, compute(arrays_from_candles(vision_candles())))


def test_export_adds_the_named_columns(imported: Path, tmp_path: Path) -> None:
    out = tmp_path / "rsi_bb.csv"
    r = run_cli("export", "BTCUSDT", "-i", "1m", "-o", out, "--indicators", "rsi,bb", "--data-dir", imported)
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(out.open()))
    assert rows[0][12:] == ["rsi", "bb_upper", "bb_middle", "bb_lower"]
    assert len(rows) == 4321
    close = np.array([float(r[4]) for r in rows[1:]])
    rsi = talib.RSI(close, 14)
    assert rows[14][12] == "" and rows[15][12] != ""  # warm-up cells are empty, the first RSI is on bar 14
    got = np.array([float(r[12]) for r in rows[15:]])
    assert np.max(np.abs(got - rsi[14:])) <= 1e-9
    plain = tmp_path / "plain.csv"
    assert run_cli("export", "BTCUSDT", "-i", "1m", "-o", plain, "--data-dir", imported).returncode == 0
    assert len(plain.read_text().splitlines()[0].split(",")) == 12  # without the flag: Binance's layout


def test_export_rejects_an_unknown_column(imported: Path, tmp_path: Path) -> None:
    r = run_cli(
        "export", "BTCUSDT", "-i", "1m", "-o", tmp_path / "x.csv", "--indicators", "rsi,vwap", "--data-dir", imported
    )
    assert r.returncode == 2
    assert r.stderr.strip().splitlines() == [
        "tuichart: unknown indicator column 'vwap'; stored: " + ", ".join(INDICATOR_COLUMNS)
    ]
    assert not (tmp_path / "x.csv").exists()


def test_rebuild_restores_deleted_rows_and_export_says_when_some_are_missing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cli("import", *VISION_ZIPS, "--data-dir", data).returncode == 0
    before = stored_frame(data)
    with duckdb.connect(str(data / STORE_FILE)) as con:
        con.execute("DELETE FROM indicators WHERE open_time >= TIMESTAMP '2020-01-02'")
    r = run_cli("export", "BTCUSDT", "-i", "1m", "-o", tmp_path / "x.csv", "--indicators", "--data-dir", data)
    assert r.returncode == 0
    assert "2880 BTCUSDT 1m candles have no stored indicators" in r.stderr
    assert "tuichart indicators rebuild BTCUSDT -i 1m" in r.stderr
    r = run_cli("indicators", "rebuild", "BTCUSDT", "-i", "1m", "--data-dir", data)
    assert r.returncode == 0, r.stderr
    assert "BTCUSDT 1m: 4320 indicator rows" in r.stdout
    assert stored_frame(data).equals(before)


def test_rebuild_of_nothing_is_one_line(tmp_path: Path) -> None:
    r = run_cli("indicators", "rebuild", "ETHUSDT", "--data-dir", tmp_path / "data")
    assert r.returncode == 2
    assert r.stderr.strip() == "tuichart: the store holds no candles of those series; import, backfill or record first"


def test_reimport_catches_up_after_an_interrupted_run(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cli("import", *VISION_ZIPS, "--data-dir", data).returncode == 0
    with duckdb.connect(str(data / STORE_FILE)) as con:  # as if a run stopped before computing the third day
        con.execute("DELETE FROM indicators WHERE open_time >= TIMESTAMP '2020-01-03'")
    assert run_cli("import", VISION_ZIPS[2], "--data-dir", data).returncode == 0
    assert_equal_to_batch(stored_frame(data), compute(arrays_from_candles(vision_candles())))


def test_chunked_rebuild_equals_one_pass(tmp_path: Path) -> None:
    candles = vision_candles()
    with Store.open(tmp_path) as store:
        store.upsert(KEY, candles)
        assert rebuild_series(store, KEY, chunk=700) == 4320
        out = tmp_path / "rebuilt.parquet"
        assert export_series(store, KEY, "parquet", out, indicators=INDICATOR_COLUMNS) == 4320
    frame = pl.read_parquet(out).with_columns(pl.col(pl.Decimal).cast(pl.Float64))
    assert frame["open_time"].dt.epoch("ms").to_list() == [c.open_time for c in candles]
    assert frame["close"].to_list() == [c.close for c in candles]
    assert_equal_to_batch(frame, compute(arrays_from_candles(candles)))


def test_the_book_warms_up_from_the_store_and_recomputes_revisions(tmp_path: Path) -> None:
    candles = vision_candles()
    expected = compute(arrays_from_candles(candles))
    with Store.open(tmp_path) as store:
        store.upsert(KEY, candles[:3000])
        book = IndicatorBook(store_history(store))
        rows = [r for c in candles[3000:3500] for r in book.on_closed(KlineEvent(KEY, c, True, 0))]
        assert [t for t, _ in rows] == [c.open_time for c in candles[3000:3500]]
        warm = compute(arrays_from_candles(candles[2500:3500]))  # the book saw 500 stored candles first
        assert rows[-1][1] == tuple(warm[c][-1] for c in INDICATOR_COLUMNS)
        for j, name in enumerate(INDICATOR_COLUMNS):  # and 500 candles of warm-up agree with the full history
            assert abs(rows[-1][1][j] - expected[name][3499]) <= 1e-9 * candles[3499].close, name
        revised = revalued(candles[3400], close=candles[3400].close * 1.01)
        again = book.on_closed(KlineEvent(KEY, revised, True, 0))
        assert [t for t, _ in again] == [c.open_time for c in candles[3400:3500]]
        assert again[0][1] != rows[400][1]
        assert book.on_closed(KlineEvent(KEY, revised, True, 0)) == []  # the same candle again changes nothing
