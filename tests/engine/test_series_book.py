"""A chart whose studies differ from the stored ones draws from the series' one state: the stored rows keep the
table's columns and a study named like a stored one keeps its own values."""

from __future__ import annotations

import asyncio
from pathlib import Path

import duckdb

from tests.indicators.data import vision_candles
from tuichart.domain import Interval, KlineEvent, SeriesKey
from tuichart.engine.chart_data import ChartData
from tuichart.engine.series_book import SeriesBook
from tuichart.indicators import DEFAULT_STUDIES, arrays_from_candles, compute, make_study
from tuichart.store import STORE_FILE, Store, StoreWriter, store_history
from tuichart.store.schema import INDICATOR_COLUMNS

KEY = SeriesKey("BTCUSDT", Interval.M1)


async def test_a_chart_of_other_studies_shares_the_series_state_with_the_stored_rows(tmp_path: Path) -> None:
    candles = vision_candles()[:900]
    studies = (make_study("rsi", {"length": 21}), make_study("sma", {"length": 50}))  # `rsi` as a stored column
    with Store.open(tmp_path) as store:
        book = SeriesBook(store_history(store), studies=studies)
        book.bind(StoreWriter(store), None)
        track = book.load(KEY, candles[:700])
        chart = ChartData.over(track, studies)
        forming = candles[800]
        for c in candles[700:800]:
            book.apply(KlineEvent(KEY, c, True, c.close_time))
        book.apply(KlineEvent(KEY, forming, False, forming.close_time))
        await book.close()
    assert book.tracks[KEY] is track and chart.series is track.series and len(chart) == 801
    ours = compute(arrays_from_candles(candles[:800]), studies)
    at_close = compute(arrays_from_candles(candles[:801]), studies)
    assert abs(chart.value("rsi", 799) - ours["rsi"][-1]) <= 1e-9 * 100
    assert abs(chart.value("sma_50", 799) - ours["sma_50"][-1]) <= 1e-9 * candles[799].close
    assert abs(chart.value("rsi", 800) - at_close["rsi"][-1]) <= 1e-9 * 100  # the forming candle, peeked
    stored = compute(arrays_from_candles(candles[:800]), DEFAULT_STUDIES)
    with duckdb.connect(str(tmp_path / STORE_FILE), read_only=True) as con:
        rows = con.execute(
            f"SELECT epoch_ms(open_time), {', '.join(INDICATOR_COLUMNS)} FROM indicators ORDER BY open_time"
        ).fetchall()
    assert [r[0] for r in rows] == [c.open_time for c in candles[700:800]]  # each closed candle's row, no more
    for j, name in enumerate(INDICATOR_COLUMNS):  # the stored rsi is the 14-candle one, not the chart's
        assert abs(rows[-1][j + 1] - stored[name][-1]) <= 1e-9 * candles[799].close, name
    assert abs(rows[-1][1 + INDICATOR_COLUMNS.index("rsi")] - ours["rsi"][-1]) > 1e-3


async def test_a_page_that_arrives_while_the_series_warms_up_is_folded_in_one_batch(tmp_path: Path) -> None:
    """A backfilled page lands before the warm-up read returns: its rows are computed at once, equal to TA-Lib's
    batch over the stored history plus the page, and the pushes after it fold one by one on that state."""
    candles = vision_candles()[:1300]
    with Store.open(tmp_path) as store:
        store.upsert(KEY, candles[:300])
        book = SeriesBook(store_history(store), keep=1000)
        book.bind(StoreWriter(store), None)
        for c in candles[300:1299]:  # one synchronous burst, as a backfill yields: all wait for the warm-up
            book.apply(KlineEvent(KEY, c, True, c.close_time))
        assert len(book._waiting[KEY]) == 999
        while KEY not in book.tracks:
            await asyncio.sleep(0.01)
        track = book.tracks[KEY]
        assert track.version <= 2  # computed at the warm-up and once for the page, not once a candle
        assert [c.open_time for c in track.series.closed] == [c.open_time for c in candles[299:1299]]  # keep 1000
        book.apply(KlineEvent(KEY, candles[1299], True, candles[1299].close_time))  # warmed: one by one
        await book.close()
    want = compute(arrays_from_candles(candles), DEFAULT_STUDIES)
    with duckdb.connect(str(tmp_path / STORE_FILE), read_only=True) as con:
        rows = con.execute(
            f"SELECT epoch_ms(open_time), {', '.join(INDICATOR_COLUMNS)} FROM indicators ORDER BY open_time"
        ).fetchall()
    assert [r[0] for r in rows] == [c.open_time for c in candles[300:1300]]
    for i, row in enumerate(rows, start=300):
        for j, name in enumerate(INDICATOR_COLUMNS):
            expected = want[name][i]
            if expected != expected:  # NaN: still warming up
                assert row[j + 1] is None or row[j + 1] != row[j + 1], (i, name)
            else:
                assert abs(row[j + 1] - expected) <= 1e-9 * max(1.0, abs(expected), candles[i].close), (i, name)
