"""Backfill pages of many series fetched ahead, a few series at a time, and read in order: the requests overlap
(each waits on the network or the exchange) while the feed still takes one series after another."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping

from tuichart.domain import Candle, SeriesKey

AHEAD = 6
"""Series fetched at once (Binance's weight budget paces them all the same)."""
PAGES = 2
"""Pages of a series held before the feed reads them."""

_Item = list[Candle] | BaseException | None
Fetch = Callable[[SeriesKey, int], AsyncIterator[list[Candle]]]
"""A series' closed candles from an open time on, a REST page at a time."""


class PagePrefetch:
    """Fetches each series' pages with `fetch` (at most AHEAD series at a time, in the order given); `pages(key)`
    reads them, raising what the fetch raised; `done(key)` lets go of a series read only in part, or not at all."""

    def __init__(self, starts: Mapping[SeriesKey, int], now: int, fetch: Fetch) -> None:
        """`starts`: each series' first open time to fetch, in the order the feed reads them; a series with no
        candle closed by `now` from there is not fetched."""
        self._fetch = fetch
        self._slots = asyncio.Semaphore(AHEAD)
        due = {k: t for k, t in starts.items() if t <= k.interval.open_time(k.interval.open_time(now) - 1)}
        self._queues: dict[SeriesKey, asyncio.Queue[_Item]] = {key: asyncio.Queue(PAGES) for key in starts}
        for key in starts.keys() - due.keys():
            self._queues[key].put_nowait(None)
        self._tasks = {key: asyncio.ensure_future(self._run(key, start)) for key, start in due.items()}

    async def _run(self, key: SeriesKey, start: int) -> None:
        queue = self._queues[key]
        async with self._slots:  # taken in the order of the keys: the feed reads them in that order too
            try:
                async for page in self._fetch(key, start):
                    await queue.put(page)
            except Exception as exc:
                await queue.put(exc)
                return
            await queue.put(None)

    async def pages(self, key: SeriesKey) -> AsyncIterator[list[Candle]]:
        """The series' pages as they were fetched."""
        queue = self._queues[key]
        while True:
            item = await queue.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    async def done(self, key: SeriesKey) -> None:
        """Stop fetching the series (its slot goes to the next)."""
        task = self._tasks.pop(key, None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def close(self) -> None:
        """Stop every fetch."""
        for key in list(self._tasks):
            await self.done(key)
