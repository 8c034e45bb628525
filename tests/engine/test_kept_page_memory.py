"""A backfilled page the store keeps leaves nothing of its size behind in the feed's bookkeeping: a recorder that
backfills thousands of series holds each one's progress, not each one's largest page."""

from __future__ import annotations

import gc
import tracemalloc
from pathlib import Path

from tests.data_paths import VISION_ZIPS
from tuichart.binance.vision import read_kline_file
from tuichart.domain import Interval, SeriesKey
from tuichart.engine import durable, sent
from tuichart.engine.durable import DurableProgress
from tuichart.engine.sent import SentCandles
from tuichart.store import Store, StoreWriter

KEY = SeriesKey("BTCUSDT", Interval.M1)


def test_a_page_kept_by_the_store_is_let_go_of_with_its_tables(tmp_path: Path) -> None:
    day = read_kline_file(VISION_ZIPS[0])
    progress = DurableProgress()
    progress.begin(KEY, day[0].open_time)
    sent_candles = SentCandles(progress, progress.has)
    page = day[1:]
    tracemalloc.start()
    before = held_by_bookkeeping()
    with Store.open(tmp_path) as store:
        writer = StoreWriter(store, max_delay=0.01, on_written=progress.committed)
        for candle in page:  # the feed sends each candle of the page, the writer commits them in batches
            assert sent_candles.accept(KEY, candle)
            writer.put(KEY, candle)
        assert sent_candles.held == len(page)
        assert writer.flush(timeout=10)
        writer.close()
        assert store.count(KEY) == len(page)
    assert progress(KEY) == page[-1].open_time  # every candle committed: none waits past a hole
    assert sent_candles.forget_kept(KEY) and sent_candles.held == 1  # the newest stays, to tell a repeat
    assert sent_candles.frontier(KEY) == page[-1].open_time
    grown = held_by_bookkeeping() - before
    tracemalloc.stop()
    assert grown < 2_000, grown  # a dict or set of the page's size: about 35 KB each


def held_by_bookkeeping() -> int:
    """Bytes allocated by the feed's bookkeeping of sent and committed candles, still held."""
    gc.collect()
    files = [tracemalloc.Filter(True, module.__file__ or "") for module in (sent, durable)]
    return sum(stat.size for stat in tracemalloc.take_snapshot().filter_traces(files).statistics("filename"))
