"""The stream client and the market feed against the embedded exchange, with time scaled to milliseconds."""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.data_paths import VISION_ZIPS
from tuichart.binance.rest import RestClient
from tuichart.binance.stream import KlineStream, StreamPolicy
from tuichart.binance.vision import read_kline_file
from tuichart.domain import FeedState, FeedStatus, Gap, Interval, KlineEvent, SeriesKey
from tuichart.engine.feed import FeedPolicy, MarketFeed
from tuichart.exchange import EmbeddedExchange, replay_market, synthetic_market

DAY1 = 1577836800000
KEY = SeriesKey("BTCUSDT", Interval.M1)
FAST = StreamPolicy(backoff_initial=0.01, backoff_cap=0.05, silence_timeout=0.3, control_interval=0.25)


def ws(ex: EmbeddedExchange) -> str:
    return ex.url.replace("http", "ws")


async def collect(it: AsyncIterator[object], seconds: float) -> list[object]:
    out: list[object] = []

    async def run() -> None:
        async for ev in it:
            out.append(ev)

    task = asyncio.ensure_future(run())
    await asyncio.sleep(seconds)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    return out


@pytest.fixture()
async def ex() -> AsyncIterator[EmbeddedExchange]:
    market = replay_market(VISION_ZIPS, speed=600, start_ms=DAY1 + 1440 * 60_000)
    async with EmbeddedExchange(market) as exchange:
        yield exchange


async def test_live_events_then_batched_subscriptions_under_the_limit() -> None:
    symbols = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "DOGEUSDT", "SHIBUSDT"]
    async with EmbeddedExchange(synthetic_market(symbols, seed=1, speed=60)) as ex:
        stream = KlineStream(ws(ex), [SeriesKey("BTCUSDT", Interval.M1)], policy=FAST)
        events: list[object] = []

        async def run() -> None:
            async for ev in stream.events():
                events.append(ev)

        task = asyncio.ensure_future(run())
        await asyncio.sleep(0.3)
        for sym in symbols[1:]:  # six quick adds, two intervals each: must not trip the 5 msg/s limit
            await stream.add([SeriesKey(sym, Interval.M1), SeriesKey(sym, Interval.M5)])
            await asyncio.sleep(0.01)
        await stream.remove([SeriesKey("SHIBUSDT", Interval.M5)])
        await asyncio.sleep(2.5)
        await stream.close()
        await task
    assert events[0] == FeedStatus(FeedState.LIVE, ws(ex))
    assert stream.connects == 1, [e for e in events if isinstance(e, FeedStatus)]
    keys = {e.key for e in events if isinstance(e, KlineEvent)}
    assert {k.symbol for k in keys} == set(symbols)
    assert SeriesKey("DOGEUSDT", Interval.M5) in keys
    assert stream.url().count("@kline_") == 12 and "shibusdt@kline_5m" not in stream.url()
    assert isinstance(events[-1], FeedStatus) and events[-1].state is FeedState.STOPPED


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("drop", "1006"),
        ("close1008", "1008"),
        ("shutdown", "server shutdown"),
        ("silence", "no message for 0.3 s"),
    ],
)
async def test_reconnects_after_each_fault(ex: EmbeddedExchange, kind: str, reason: str) -> None:
    stream = KlineStream(ws(ex), [KEY], policy=FAST)

    async def fault() -> None:
        await asyncio.sleep(0.3)
        await ex.inject(kind, 1.0)

    injector = asyncio.ensure_future(fault())
    events = await collect(stream.events(), 1.6)
    await injector
    statuses = [e for e in events if isinstance(e, FeedStatus)]
    lost = [s for s in statuses if s.state is FeedState.RECONNECTING]
    assert lost and reason in lost[0].detail
    assert statuses[-1].state is FeedState.LIVE and stream.connects >= 2
    assert isinstance(events[-1], KlineEvent)


async def test_proactive_reconnect_before_the_connection_limit(ex: EmbeddedExchange) -> None:
    stream = KlineStream(ws(ex), [KEY], policy=StreamPolicy(max_age=0.4, silence_timeout=5))
    events = await collect(stream.events(), 1.0)
    lost = [e for e in events if isinstance(e, FeedStatus) and e.state is FeedState.RECONNECTING]
    assert lost and "24 h limit" in lost[0].detail and lost[0].retry_in == 0


async def test_feed_finalises_over_rest_when_closes_go_missing(ex: EmbeddedExchange) -> None:
    source = {c.open_time: c for z in VISION_ZIPS for c in read_kline_file(z)}
    start = ex.market.clock_ms()
    last = Interval.M1.open_time(start) - 60_000
    async with RestClient(ex.url) as rest:
        stream = KlineStream(ws(ex), [KEY], policy=StreamPolicy(silence_timeout=5))
        feed = MarketFeed(rest, stream, last_closed=lambda k: last, policy=FeedPolicy(grace=2.0))

        async def fault() -> None:
            await asyncio.sleep(0.5)
            await ex.inject("silence", 0.5)  # about five closes are never pushed

        injector = asyncio.ensure_future(fault())
        events = await collect(feed.events(), 1.8)
        await injector
    assert stream.connects == 1
    closed = [e.candle for e in events if isinstance(e, KlineEvent) and e.closed]
    opens = [c.open_time for c in closed]
    assert opens == list(range(last + 60_000, opens[-1] + 60_000, 60_000)), "a candle was lost or doubled"
    assert len(opens) >= 12 and all(c == source[c.open_time] for c in closed)
    assert feed.backfilled >= 4


async def test_feed_reports_exchange_gaps_once(tmp_path: Path) -> None:
    rows = zipfile.ZipFile(VISION_ZIPS[0]).read(VISION_ZIPS[0].name[:-4] + ".csv").decode().splitlines()
    holed = tmp_path / "BTCUSDT-1m-2020-01-01.csv"
    holed.write_text("\n".join(rows[:600] + rows[610:]) + "\n")  # maintenance: ten candles never existed
    market = replay_market([holed], speed=60, start_ms=DAY1 + 700 * 60_000)
    async with EmbeddedExchange(market) as ex, RestClient(ex.url) as rest:
        stream = KlineStream(ws(ex), [KEY], policy=FAST)
        feed = MarketFeed(rest, stream, last_closed=lambda k: DAY1 + 500 * 60_000)
        events = await collect(feed.events(), 0.8)
    gaps = [e for e in events if isinstance(e, Gap)]
    assert gaps == [Gap(KEY, DAY1 + 600 * 60_000, DAY1 + 609 * 60_000, 10)]
    closed = [e.candle.open_time for e in events if isinstance(e, KlineEvent) and e.closed]
    assert closed[:100] == [DAY1 + i * 60_000 for i in range(501, 600)] + [DAY1 + 610 * 60_000]


async def test_a_reader_held_up_downstream_is_not_a_silent_exchange(ex: EmbeddedExchange) -> None:
    stream = KlineStream(ws(ex), [KEY], policy=StreamPolicy(silence_timeout=0.3))
    events = stream.events()
    seen: list[object] = [await anext(events)]
    while not isinstance(seen[-1], KlineEvent):
        seen.append(await anext(events))
    await asyncio.sleep(1.0)  # the consumer is busy (a long backfill): frames wait unread for over 3 timeouts
    seen += await collect(events, 0.8)  # then it reads on: the buffered frames, and the live ones after them
    await stream.close()
    assert stream.connects == 1 and not [e for e in seen if isinstance(e, FeedStatus) and e.state is not FeedState.LIVE]
