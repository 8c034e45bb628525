"""The market feed with a durable progress over a real store: a failed backfill leaves a hole that live closes
never paper over, retried with backoff until it is filled."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from tests.data_paths import VISION_ZIPS
from tuichart.binance.rest import RestClient, RetryPolicy
from tuichart.binance.stream import KlineStream, StreamPolicy
from tuichart.binance.vision import read_kline_file
from tuichart.domain import Gap, Interval, KlineEvent, SeriesKey
from tuichart.engine.durable import DurableProgress, last_closed_open
from tuichart.engine.feed import FeedPolicy, Hole, MarketFeed
from tuichart.exchange import EmbeddedExchange, replay_market
from tuichart.exchange.sources import wide_market
from tuichart.store import Store, StoreWriter

DAY1 = 1577836800000
KEY = SeriesKey("BTCUSDT", Interval.M1)
MINUTE = 60_000


async def until(condition: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


def quick_feed(ex: EmbeddedExchange, rest: RestClient, progress: DurableProgress) -> tuple[KlineStream, MarketFeed]:
    """A feed of KEY from the exchange going by `progress`, with retries and grace in milliseconds."""
    stream = KlineStream(ex.url.replace("http", "ws"), [KEY], policy=StreamPolicy(silence_timeout=30))
    feed = MarketFeed(
        rest,
        stream,
        last_closed=progress,
        stored=progress.has,
        policy=FeedPolicy(grace=2.0, retry_initial=0.02, retry_cap=0.1),
    )
    return stream, feed


async def test_a_hole_holds_the_progress_until_a_retry_fills_it(tmp_path: Path) -> None:
    source = {c.open_time: c for z in VISION_ZIPS for c in read_kline_file(z)}
    market = replay_market(VISION_ZIPS, speed=600, start_ms=DAY1 + 1440 * MINUTE)
    async with EmbeddedExchange(market) as ex, RestClient(ex.url, policy=RetryPolicy(scale=0.001)) as rest:
        progress = DurableProgress()
        progress.begin(KEY, last_closed_open(KEY, market.clock_ms()))
        start = progress(KEY)
        assert start is not None
        with Store.open(tmp_path) as store:
            writer = StoreWriter(store, max_delay=0.02, on_written=progress.committed)
            stream, feed = quick_feed(ex, rest, progress)
            holes: list[Hole] = []

            async def consume() -> None:
                async for ev in feed.events():
                    if isinstance(ev, KlineEvent) and ev.closed:
                        writer.put(ev.key, ev.candle)
                    elif isinstance(ev, Hole):
                        holes.append(ev)
                    elif isinstance(ev, Gap):
                        progress.absent(ev)

            task = asyncio.ensure_future(consume())
            try:
                await until(lambda: (progress(KEY) or 0) >= start + 3 * MINUTE)
                await ex.inject("burst5xx", 3600.0)  # REST is down until the test says otherwise
                await ex.inject("silence", 0.6)  # about six closes are never pushed
                await until(lambda: any(h.error for h in holes))
                hole = holes[0]
                assert hole.count >= 1 and hole.retry_in is not None
                await until(lambda: (store.last_open_time(KEY) or 0) >= hole.first_open + 3 * MINUTE)
                assert writer.flush(timeout=10)
                assert progress(KEY) == hole.first_open - MINUTE, "a live close moved the progress past the hole"
                assert progress.missing(KEY, store.last_open_time(KEY) or 0)[0].first_open == hole.first_open
                tries = sum(1 for h in holes if h.error)
                await until(lambda: sum(1 for h in holes if h.error) >= tries + 2)  # retried while it lasts
                ex.rest.failing_until = 0.0
                await until(lambda: holes[-1].error is None)
                assert writer.flush(timeout=10)
                newest = store.last_open_time(KEY)
                assert newest is not None and progress(KEY) == newest
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
                await stream.close()
                writer.close()
            rows = store.load_columns(KEY)
    opens = rows["open_time"].tolist()
    assert opens == list(range(start + MINUTE, opens[-1] + MINUTE, MINUTE)), "a candle is missing"
    for name in ("open", "high", "low", "close", "volume", "trades"):
        assert rows[name].tolist() == [getattr(source[t], name) for t in opens], name


async def test_without_the_exchanges_time_no_forming_candle_passes_for_closed() -> None:
    """REST is down when the stream connects: the feed must not judge what has closed by the local clock (years
    ahead of a replayed market), or the candle still forming when REST returns is taken for a closed one."""
    source = {c.open_time: c for z in VISION_ZIPS for c in read_kline_file(z)}
    market = replay_market(VISION_ZIPS, speed=600, start_ms=DAY1 + 1440 * MINUTE)
    async with EmbeddedExchange(market) as ex, RestClient(ex.url, policy=RetryPolicy(scale=0.001)) as rest:
        progress = DurableProgress()
        progress.begin(KEY, last_closed_open(KEY, market.clock_ms()) - 20 * MINUTE)  # 20 candles to fill in
        await ex.inject("burst5xx", 3600.0)
        stream, feed = quick_feed(ex, rest, progress)
        closed: list[KlineEvent] = []
        holes: list[Hole] = []

        async def consume() -> None:
            async for ev in feed.events():
                if isinstance(ev, KlineEvent) and ev.closed:
                    closed.append(ev)
                elif isinstance(ev, Hole):
                    holes.append(ev)

        task = asyncio.ensure_future(consume())
        try:
            await until(lambda: any(h.error for h in holes))
            ex.rest.failing_until = 0.0
            await until(lambda: holes[-1].error is None and len(closed) >= 25)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await stream.close()
    assert [ev.candle for ev in closed] == [source[ev.candle.open_time] for ev in closed]


async def test_a_backfill_of_many_series_lets_go_of_each_once_the_store_keeps_it(tmp_path: Path) -> None:
    market = wide_market(30, seed=3, now_ms=DAY1 + 400 * 86_400_000)
    keys = [SeriesKey(s, Interval.H1) for s in market.symbols() if market.listed_at[s] <= DAY1][:6]
    assert len(keys) == 6
    async with EmbeddedExchange(market) as ex, RestClient(ex.url, policy=RetryPolicy(scale=0.001)) as rest:
        progress = DurableProgress()
        for key in keys:
            progress.begin(key, last_closed_open(key, market.clock_ms()) - 300 * 3_600_000)
        stream = KlineStream(ex.url.replace("http", "ws"), keys)
        feed = MarketFeed(rest, stream, last_closed=progress, stored=progress.has)
        written: list[KlineEvent] = []
        with Store.open(tmp_path) as store:

            def keep(events: list[KlineEvent]) -> None:
                for ev in events:
                    store.upsert(ev.key, [ev.candle])
                    progress.committed(ev.key, [ev.candle.open_time])

            async for ev in feed.catch_up():
                if isinstance(ev, KlineEvent) and ev.closed:
                    if written and written[-1].key != ev.key:  # a writer a series behind, as a busy store's is
                        keep([e for e in written if e.key == written[-1].key])
                    written.append(ev)
                    assert feed.held <= 2 * 300 + len(keys)  # the series fetched and the one not yet kept
            keep([e for e in written if e.key == written[-1].key])
            assert len(written) >= 6 * 300 and all(store.count(k) >= 300 for k in keys)
