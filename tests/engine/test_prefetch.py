"""Backfill pages fetched ahead: a few series at a time, read in order, errors handed to the reader, and a series
let go of mid-way frees its place for the next."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from tuichart.domain import Candle, Interval, SeriesKey
from tuichart.engine.prefetch import AHEAD, PagePrefetch
from tuichart.errors import TuichartError

MINUTE = 60_000
NOW = 1_700_000_040 * 1000 // MINUTE * MINUTE
KEYS = [SeriesKey(f"S{n:02d}USDT", Interval.M1) for n in range(20)]


def candle(t: int) -> Candle:
    return Candle(t, 1.0, 1.0, 1.0, 1.0, 1.0, t + MINUTE - 1, 1.0, 1, 0.5, 0.5)


class Fetches:
    """Three pages a series, each after a short wait; counts the fetches running at once."""

    def __init__(self, failing: SeriesKey | None = None) -> None:
        self.running = self.most = 0
        self.failing = failing
        self.started: list[SeriesKey] = []

    async def __call__(self, key: SeriesKey, start: int) -> AsyncIterator[list[Candle]]:
        self.started.append(key)
        self.running += 1
        self.most = max(self.most, self.running)
        try:
            for page in range(3):
                await asyncio.sleep(0.005)
                if key == self.failing and page == 1:
                    raise TuichartError("HTTP 503 from the exchange")
                yield [candle(start + (page * 2 + i) * MINUTE) for i in range(2)]
        finally:
            self.running -= 1


async def read(prefetch: PagePrefetch, key: SeriesKey) -> list[int]:
    return [c.open_time for page in [p async for p in prefetch.pages(key)] for c in page]


async def test_pages_come_in_order_a_few_series_at_a_time() -> None:
    fetches = Fetches()
    starts = {key: NOW - 10 * MINUTE for key in KEYS}
    prefetch = PagePrefetch(starts, NOW, fetches)
    for key in KEYS:
        assert await read(prefetch, key) == [NOW - (10 - i) * MINUTE for i in range(6)]
        await prefetch.done(key)
    await prefetch.close()
    assert fetches.started == KEYS  # in the order the feed reads them
    assert fetches.most == AHEAD  # overlapping, never more than AHEAD


async def test_a_failure_reaches_the_reader_and_the_others_go_on() -> None:
    fetches = Fetches(failing=KEYS[2])
    prefetch = PagePrefetch({key: NOW - 10 * MINUTE for key in KEYS[:5]}, NOW, fetches)
    assert len(await read(prefetch, KEYS[0])) == 6
    assert len(await read(prefetch, KEYS[1])) == 6
    with pytest.raises(TuichartError, match="503"):
        await read(prefetch, KEYS[2])
    assert len(await read(prefetch, KEYS[3])) == 6
    await prefetch.close()


async def test_a_series_let_go_of_frees_its_place_and_one_with_nothing_due_is_not_fetched() -> None:
    fetches = Fetches()
    starts = {key: NOW - 10 * MINUTE for key in KEYS[:10]} | {KEYS[10]: NOW}  # nothing closed after NOW yet
    prefetch = PagePrefetch(starts, NOW, fetches)
    for key in KEYS[:10]:
        async for _ in prefetch.pages(key):  # the first page only: the rest are never read
            break
        await prefetch.done(key)
    assert await asyncio.wait_for(read(prefetch, KEYS[10]), 5) == []
    await prefetch.close()
    assert KEYS[10] not in fetches.started and fetches.started == KEYS[:10]
