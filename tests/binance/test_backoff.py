"""Reconnect delays: they grow while connections keep failing and start over once one has been healthy."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tests.data_paths import VISION_ZIPS
from tuichart.binance.backoff import Backoff
from tuichart.binance.stream import KlineStream, StreamPolicy
from tuichart.domain import FeedState, FeedStatus, Interval, SeriesKey
from tuichart.exchange import EmbeddedExchange, replay_market

DAY1 = 1577836800000
KEY = SeriesKey("BTCUSDT", Interval.M1)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_delays_double_to_the_cap_and_start_over_after_a_healthy_period() -> None:
    clock = Clock()
    backoff = Backoff(initial=1.0, cap=8.0, rand=lambda: 1.0, healthy_after=10.0, clock=clock)
    assert [backoff.next_delay() for _ in range(5)] == [1.0, 2.0, 4.0, 8.0, 8.0]
    backoff.connected()
    clock.now += 9.9
    backoff.heard()  # up, but not yet for long enough
    assert backoff.next_delay() == 8.0
    backoff.connected()
    clock.now += 10.0
    backoff.heard()
    assert backoff.next_delay() == 1.0
    backoff.connected()
    clock.now += 60.0  # up for a minute without a single message: not healthy
    assert backoff.next_delay() == 2.0


def test_jitter_stays_within_half_to_full_delay() -> None:
    low = Backoff(initial=2.0, rand=lambda: 0.0)
    high = Backoff(initial=2.0, rand=lambda: 0.999)
    assert [low.next_delay() for _ in range(3)] == [1.0, 2.0, 4.0]
    assert all(d <= full for d, full in zip([high.next_delay() for _ in range(3)], [2.0, 4.0, 8.0], strict=True))


@pytest.fixture()
async def ex() -> AsyncIterator[EmbeddedExchange]:
    market = replay_market(VISION_ZIPS, speed=600, start_ms=DAY1 + 1440 * 60_000)
    async with EmbeddedExchange(market) as exchange:
        yield exchange


async def test_backoff_starts_over_once_a_connection_was_healthy(ex: EmbeddedExchange) -> None:
    """Drops right after each connect make the waits grow; a connection that stays healthy for `healthy_after`
    brings the next wait back to the initial one."""
    policy = StreamPolicy(backoff_initial=0.05, backoff_cap=10.0, healthy_after=0.6, silence_timeout=5.0)
    stream = KlineStream(ex.url.replace("http", "ws"), [KEY], policy=policy)
    statuses: asyncio.Queue[FeedStatus] = asyncio.Queue()

    async def run() -> None:
        async for ev in stream.events():
            if isinstance(ev, FeedStatus):
                await statuses.put(ev)

    async def next_state(state: FeedState) -> FeedStatus:
        while True:
            status = await asyncio.wait_for(statuses.get(), 10)
            if status.state is state:
                return status

    task = asyncio.ensure_future(run())
    waits: list[float | None] = []
    try:
        for _ in range(4):  # each connection dropped as soon as it is up: never healthy
            await next_state(FeedState.LIVE)
            await ex.inject("drop", 1.0)
            waits.append((await next_state(FeedState.RECONNECTING)).retry_in)
        await next_state(FeedState.LIVE)
        await asyncio.sleep(1.2)  # twice `healthy_after`, with the market's pushes arriving
        await ex.inject("drop", 1.0)
        after_healthy = (await next_state(FeedState.RECONNECTING)).retry_in
        await next_state(FeedState.LIVE)
    finally:
        await stream.close()
        await task
    assert all(w is not None for w in waits) and after_healthy is not None
    # full jitter: the n-th wait lies in [base/2, base] with base = 0.05 * 2**n
    known = [w for w in waits if w is not None]
    assert [0.05 * 2**n / 2 <= w <= 0.05 * 2**n for n, w in enumerate(known)] == [True] * 4, waits
    assert known[-1] >= 0.2 > 0.05 >= after_healthy >= 0.025, (waits, after_healthy)
    assert stream.connects == 6
