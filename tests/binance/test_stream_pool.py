"""The stream pool against the embedded exchange: series spread over connections within the limits, each
connection with its own health, and a lost one refilled alone."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable

import pytest

from tuichart.binance.connect_budget import ConnectBudget
from tuichart.binance.rest import RestClient, RetryPolicy
from tuichart.binance.stream import KlineStream, StreamPolicy
from tuichart.binance.stream_pool import StreamPool
from tuichart.domain import Candle, FeedState, FeedStatus, Interval, KlineEvent, SeriesKey, TickerEvent
from tuichart.engine.feed import FeedPolicy, MarketFeed
from tuichart.errors import BadInput
from tuichart.exchange import EmbeddedExchange, synthetic_market

SYMBOLS = [f"{base}USDT" for base in ("BTC", "ETH", "SOL", "BNB", "XRP", "ADA", "DOGE", "TRX", "DOT", "LINK", "AVAX")]
KEYS = [SeriesKey(s, iv) for s in SYMBOLS for iv in (Interval.M1, Interval.M5)]
# three streams a symbol (two klines, one mini-ticker): ten fit on a connection of 10, so four connections
SMALL = StreamPolicy(backoff_initial=0.01, backoff_cap=0.05, silence_timeout=5, per_connection=10)


def ws(ex: EmbeddedExchange) -> str:
    return ex.url.replace("http", "ws")


@pytest.fixture()
async def ex() -> AsyncIterator[EmbeddedExchange]:
    async with EmbeddedExchange(synthetic_market(SYMBOLS, seed=3, speed=60)) as exchange:
        yield exchange


async def until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.02)


def served(ex: EmbeddedExchange) -> list[list[str]]:
    """The streams each of the exchange's open connections is subscribed to."""
    return [list(conn.streams) for conn in ex.hub.connections if not conn.ws.closed]


async def test_series_spread_over_connections_within_the_cap(ex: EmbeddedExchange) -> None:
    pool = StreamPool(ws(ex), KEYS, policy=SMALL)
    events: list[object] = []

    async def run() -> None:
        async for ev in pool.events():
            events.append(ev)

    task = asyncio.ensure_future(run())
    await until(lambda: {e.key for e in events if isinstance(e, KlineEvent)} == set(KEYS))
    await until(lambda: any(isinstance(e, TickerEvent) and e.symbol == SYMBOLS[-1] for e in events))
    subscribed = served(ex)
    assert sorted(len(s) for s in subscribed) == [6, 9, 9, 9]  # whole symbols: three of three streams fit in 10
    assert sorted(n for s in subscribed for n in s) == sorted(pool.streams())
    assert len(pool.streams()) == 3 * len(SYMBOLS)  # every symbol's mini-ticker once
    for streams in subscribed:  # a symbol lives on one connection
        assert len({n.split("@")[0] for n in streams}) == len(streams) // 3
    statuses = [e for e in events if isinstance(e, FeedStatus)]
    connected = [s.connected for s in statuses if s.connected is not None]
    assert len(connected) == 4 and set().union(*connected) == set(KEYS)
    assert sum(len(c) for c in connected) == len(KEYS)  # each series is filled in by its own connection only
    assert [s.state for s in statuses][:3] == [FeedState.CONNECTING] * 3 and statuses[3].state is FeedState.LIVE
    assert "connection" in statuses[0].detail and "of 4 live" in statuses[0].detail
    await pool.close()
    await task
    assert events[-1] == FeedStatus(FeedState.STOPPED, "closed")


async def test_losing_one_connection_refills_only_its_series(ex: EmbeddedExchange) -> None:
    pool = StreamPool(ws(ex), KEYS, policy=SMALL)
    statuses: list[FeedStatus] = []

    async def run() -> None:
        async for ev in pool.events():
            if isinstance(ev, FeedStatus):
                statuses.append(ev)

    task = asyncio.ensure_future(run())
    await until(lambda: bool(statuses) and statuses[-1].state is FeedState.LIVE)
    victim = next(c for c in ex.hub.connections if "btcusdt@kline_1m" in c.streams)
    assert victim.request.transport is not None
    victim.request.transport.abort()
    await until(lambda: len(statuses) >= 6 and statuses[-1].state is FeedState.LIVE)
    lost, back = statuses[4], statuses[5]
    assert lost.state is FeedState.RECONNECTING and "1006" in lost.detail and lost.connected is None
    home = frozenset(k for k in KEYS if k.symbol in {n.split("@")[0].upper() for n in victim.streams})
    assert back.connected == home and SeriesKey("BTCUSDT", Interval.M1) in home
    assert sorted(conn.connects for conn in pool.connections) == [1, 1, 1, 2]
    await pool.close()
    await task


async def test_adding_and_removing_keeps_symbols_home_and_closes_empty_connections(ex: EmbeddedExchange) -> None:
    pool = StreamPool(ws(ex), KEYS[:6], policy=SMALL)  # three symbols, one connection
    task = asyncio.ensure_future(_drain(pool))
    await until(lambda: len(served(ex)) == 1 and len(served(ex)[0]) == 9)
    await pool.add(KEYS[6:])  # eight more symbols: three more connections
    await until(lambda: sorted(map(len, served(ex))) == [6, 9, 9, 9])
    await pool.add([SeriesKey("BTCUSDT", Interval.H1)])  # to its symbol's connection, now full
    await until(lambda: sorted(map(len, served(ex))) == [6, 9, 9, 10])
    await pool.add([SeriesKey("BTCUSDT", Interval.H4)])  # no room at home: the first with room, with a ticker
    await until(lambda: sorted(map(len, served(ex))) == [8, 9, 9, 10])
    last = [k for k in KEYS if k.symbol in SYMBOLS[9:]] + [SeriesKey("BTCUSDT", Interval.H4)]
    await pool.remove(last)
    await until(lambda: sorted(map(len, served(ex))) == [9, 9, 10])  # the emptied connection was closed
    assert len(pool.connections) == 3 and SeriesKey("BTCUSDT", Interval.H1) in pool.keys
    await pool.close()
    await task


async def test_a_url_too_long_for_http_is_subscribed_in_batches_after_connecting(ex: EmbeddedExchange) -> None:
    policy = StreamPolicy(url_limit=60, subscribe_batch=4, silence_timeout=5)
    stream = KlineStream(ws(ex), KEYS, policy=policy)
    assert len(stream.url().split("streams=")[1]) <= 60 and stream.url().count("@") == 3
    task = asyncio.ensure_future(_drain(stream))
    await until(lambda: sorted(n for s in served(ex) for n in s) == sorted(stream.streams()))
    await asyncio.sleep(0.3)
    assert stream.connects == 1  # eight SUBSCRIBEs, paced: the exchange's 5 a second was never passed
    await stream.close()
    await task


async def test_a_pool_feed_fills_in_a_lost_connection_from_rest(ex: EmbeddedExchange) -> None:
    async with RestClient(ex.url, policy=RetryPolicy(scale=0.001)) as rest:
        pool = StreamPool(ws(ex), KEYS, policy=SMALL)
        start = {k: k.interval.open_time(ex.market.clock_ms()) - k.interval.nominal_ms for k in KEYS}
        feed = MarketFeed(rest, pool, last_closed=start.get, policy=FeedPolicy(grace=2.0))
        closes: dict[SeriesKey, list[Candle]] = {k: [] for k in KEYS}

        async def run() -> None:
            async for ev in feed.events():
                if isinstance(ev, KlineEvent) and ev.closed:
                    closes[ev.key].append(ev.candle)

        task = asyncio.ensure_future(run())
        await until(lambda: all(len(closes[k]) >= 2 for k in KEYS if k.interval is Interval.M1))
        await ex.hub.inject("silence", 2.5, only="ethusdt@kline_1m")  # about 2.5 market minutes, nothing pushed
        await asyncio.sleep(2.0)
        await ex.hub.inject("drop", 0, only="ethusdt@kline_1m")  # then the socket is lost
        await until(lambda: sorted(c.connects for c in pool.connections) == [1, 1, 1, 2])
        now = ex.market.clock_ms()
        await until(lambda: ex.market.clock_ms() > now + 3 * 60_000)
        await pool.close()
        await task  # the feed ends with the pool
        for key, got in closes.items():  # every close, once, as the exchange has it: none lost on the lost connection
            theirs = await rest.klines(key, start[key] + key.interval.nominal_ms, got[-1].open_time)
            assert got == theirs, key
        assert len(closes[SeriesKey("ETHUSDT", Interval.M1)]) >= 6


async def _drain(stream: KlineStream | StreamPool) -> None:
    async for _ in stream.events():
        pass


async def test_the_connect_budget_holds_a_storm_back() -> None:
    budget = ConnectBudget(attempts=3, window=0.3)
    t0 = time.monotonic()
    for _ in range(4):
        await budget.take()
    assert budget.waited > 0 and time.monotonic() - t0 >= 0.25  # the 4th waited for the 1st to leave the window


async def test_a_bad_address_reaches_the_reader() -> None:
    pool = StreamPool("wss://", KEYS[:2], policy=SMALL)
    with pytest.raises(BadInput, match="bad websocket address"):
        async with asyncio.timeout(10):  # not a reader left waiting for good
            await _drain(pool)


async def test_klines_on_their_way_when_a_series_is_unwatched_are_let_go_quietly(ex: EmbeddedExchange) -> None:
    async with RestClient(ex.url, policy=RetryPolicy(scale=0.001)) as rest:
        slow = StreamPolicy(silence_timeout=5, per_connection=10, control_interval=1.0)
        pool = StreamPool(ws(ex), KEYS, policy=slow)
        start = {k: k.interval.open_time(ex.market.clock_ms()) - k.interval.nominal_ms for k in KEYS}
        feed = MarketFeed(rest, pool, last_closed=start.get, policy=FeedPolicy(grace=2.0))
        gone = [k for k in KEYS if k.symbol == "ETHUSDT"]
        after: list[SeriesKey] = []
        unwatched = False

        async def run() -> None:
            async for ev in feed.events():
                if isinstance(ev, KlineEvent) and unwatched:
                    after.append(ev.key)

        task = asyncio.ensure_future(run())
        await asyncio.sleep(1.5)
        await feed.watch([SeriesKey("ETHUSDT", Interval.M15)])  # a SUBSCRIBE goes out: the next message waits 1 s
        await asyncio.sleep(0.1)
        await feed.unwatch(gone)  # so its frames keep coming for a second after this
        unwatched = True
        await asyncio.sleep(1.5)
        await pool.close()
        await task
    assert after and not set(after) & set(gone)  # the others go on; none of the series left reaches anyone
    assert feed.rejected == 0, (feed.rejected, after[:5])  # nor is it counted as a refused (bad) kline
