"""A long-running recorder's indicator book holds a fixed amount per series, however many candles close."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

from tests.indicators.data import vision_candles
from tuichart.domain import Interval, KlineEvent, SeriesKey
from tuichart.indicators import MIN_WARMUP, arrays_from_candles, compute
from tuichart.indicators.book import IndicatorBook
from tuichart.store import Store, store_history
from tuichart.store.schema import INDICATOR_COLUMNS

KEY = SeriesKey("BTCUSDT", Interval.M1)


def test_the_book_stays_bounded_after_thousands_of_closes(tmp_path: Path) -> None:
    candles = vision_candles()
    assert len(candles) >= 4000 and all(c.exact is not None for c in candles)  # decimal text, as from the wire
    with Store.open(tmp_path) as store:
        book = IndicatorBook(store_history(store))
        opens = [t for c in candles[:1000] for t, _ in book.on_closed(KlineEvent(KEY, c, True, 0))]
        tracemalloc.start()
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        for c in candles[1000:4000]:
            (row,) = book.on_closed(KlineEvent(KEY, c, True, 0))
            opens.append(row[0])
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - before
        tracemalloc.stop()
    held = book.tracks[KEY].series.closed
    assert len(held) == MIN_WARMUP and held[-1] == candles[3999] and held[0] == candles[4000 - MIN_WARMUP]
    assert all(c.exact is None for c in held)  # the digits went to the store; floats are enough for indicators
    assert grown < 100_000, grown  # held whole, 3,000 more candles would take about 3 MB
    expected = compute(arrays_from_candles(candles[:4000]))
    assert opens == [c.open_time for c in candles[:4000]]
    for j, name in enumerate(INDICATOR_COLUMNS):  # trimming never changes a value
        assert abs(row[1][j] - expected[name][3999]) <= 1e-9 * candles[3999].close, name
