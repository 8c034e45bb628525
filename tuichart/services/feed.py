"""The market feed: live stream events plus REST backfill, so every closed candle arrives exactly once.

After every connect and reconnect the closed candles since the last one known are fetched over REST. A candle
is final on its `x:true` push, or, when none came within `grace` seconds of its close, when REST has it.
Ranges the exchange itself has no candles for (maintenance) are reported once as a `Gap`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass

from tuichart.candle_check import candle_problem
from tuichart.domain import Candle, FeedState, FeedStatus, Gap, KlineEvent, SeriesKey, TickerEvent
from tuichart.errors import TuichartError
from tuichart.market.rest import RestClient
from tuichart.market.stream import KlineStream

log = logging.getLogger(__name__)
CLOCK_SKEW_MS = 1_000
MAX_CLOCK_JUMP_MS = 86_400_000  # one day of exchange time between two events: a faster clock is a forged one
FeedEvent = KlineEvent | TickerEvent | FeedStatus | Gap


@dataclass(slots=True)
class FeedPolicy:
    """How long to wait for an `x:true` before asking REST, in seconds of exchange time."""

    grace: float = 5.0


class MarketFeed:
    """Stream events with closed candles deduplicated and gaps filled from REST."""

    def __init__(
        self,
        rest: RestClient,
        stream: KlineStream,
        *,
        last_closed: Callable[[SeriesKey], int | None],
        policy: FeedPolicy | None = None,
    ) -> None:
        self.rest = rest
        self.stream = stream
        self.policy = policy or FeedPolicy()
        self._last_closed = last_closed
        self._emitted: dict[SeriesKey, Candle] = {}
        self._forming: dict[SeriesKey, int] = {}
        self._reported: set[tuple[SeriesKey, int]] = set()
        self._stale: set[SeriesKey] = set()
        self._watched: set[SeriesKey] = set(stream.keys)
        self._warned: set[tuple[SeriesKey, str]] = set()
        self.backfilled = 0
        self.rejected = 0
        """Klines refused before they reached anyone: unsound values, future times, unsubscribed series."""

    async def watch(self, keys: Iterable[SeriesKey]) -> None:
        """Stream more series; each is backfilled from its last known closed candle with the next event."""
        keys = list(keys)
        await self.stream.add(keys)
        self._watched.update(keys)
        self._stale.update(keys)

    async def unwatch(self, keys: Iterable[SeriesKey]) -> None:
        """Stop streaming series."""
        keys = list(keys)
        await self.stream.remove(keys)
        self._watched.difference_update(keys)
        for key in keys:
            self._stale.discard(key)
            self._forming.pop(key, None)

    def _last(self, key: SeriesKey) -> int | None:
        known = self._last_closed(key)
        mine = self._emitted.get(key)
        if mine is None:
            return known
        return mine.open_time if known is None else max(known, mine.open_time)

    def _refused(self, key: SeriesKey, candle: Candle, problem: str | None) -> bool:
        """Count (and log once per series and reason) a kline that must reach no one; False when sound."""
        if problem is None:
            return False
        self.rejected += 1
        if (key, problem) not in self._warned:
            self._warned.add((key, problem))
            log.warning("rejected a %s kline opening at %d: %s (further ones counted)", key, candle.open_time, problem)
        return True

    def _stream_problem(self, ev: KlineEvent, clock: int) -> str | None:
        if ev.key not in self._watched:
            return "a series not subscribed"
        if clock and ev.event_time > clock + MAX_CLOCK_JUMP_MS:
            return "an event time far ahead of the exchange's clock"
        if ev.candle.open_time > ev.event_time + CLOCK_SKEW_MS:
            return "an open time after the exchange's clock"
        return candle_problem(ev.key, ev.candle)

    def _accept(self, key: SeriesKey, candle: Candle) -> bool:
        """True when this closed candle is new (or revises the last one emitted)."""
        prev = self._emitted.get(key)
        if prev is not None and (candle.open_time < prev.open_time or candle == prev):
            return False
        known = self._last_closed(key)
        if prev is None and known is not None and candle.open_time <= known:
            return False
        self._emitted[key] = candle
        return True

    async def _backfill(self, key: SeriesKey, now: int) -> AsyncIterator[FeedEvent]:
        last = self._last(key)
        if last is None:
            return
        start = key.interval.next_open(last)
        if key.interval.close_time(start) >= now:
            return
        expected = start
        try:
            async for page in self.rest.closed_klines(key, start, now_ms=now):
                for c in page:
                    too_late = c.close_time > now + CLOCK_SKEW_MS
                    problem = "a close time after the exchange's clock" if too_late else candle_problem(key, c)
                    if self._refused(key, c, problem):
                        # not a gap the exchange has: it is never recorded as one, so a later fill can mend it
                        expected = max(expected, key.interval.next_open(c.open_time))
                        continue
                    if c.open_time > expected:
                        gap = self._gap(key, expected, c.open_time)
                        if gap is not None:
                            yield gap
                    expected = key.interval.next_open(c.open_time)
                    if self._accept(key, c):
                        self.backfilled += 1
                        yield KlineEvent(key, c, True, now)
        except TuichartError as exc:
            log.warning("backfill of %s failed: %s", key, exc)
            self._stale.add(key)
            yield FeedStatus(FeedState.LIVE, f"backfill of {key} failed: {exc}; will retry")
            return
        self._stale.discard(key)

    def _gap(self, key: SeriesKey, first: int, next_present: int) -> Gap | None:
        """A gap the exchange has (REST skipped it and returned a later candle), reported once."""
        if (key, first) in self._reported:
            return None
        self._reported.add((key, first))
        last = key.interval.open_time(next_present - 1)
        count = 0
        t = first
        while t <= last:
            count += 1
            t = key.interval.next_open(t)
        return Gap(key, first, last, count)

    async def _backfill_all(self, now: int) -> AsyncIterator[FeedEvent]:
        for key in self.stream.keys:
            async for ev in self._backfill(key, now):
                yield ev

    async def _server_now(self, fallback: int) -> int:
        try:
            return await self.rest.server_time()
        except TuichartError:
            return fallback

    async def events(self) -> AsyncIterator[FeedEvent]:
        """Live events; after each (re)connect, then whenever a candle's close went unconfirmed, REST fills in."""
        clock = 0
        async for ev in self.stream.events():
            if isinstance(ev, FeedStatus):
                yield ev
                if ev.state is FeedState.LIVE:
                    clock = await self._server_now(clock or int(time.time() * 1000))
                    async for item in self._backfill_all(clock):
                        yield item
                continue
            if isinstance(ev, KlineEvent) and self._refused(ev.key, ev.candle, self._stream_problem(ev, clock)):
                continue
            clock = max(clock, ev.event_time)
            if isinstance(ev, KlineEvent):
                key, open_time = ev.key, ev.candle.open_time
                last = self._last(key)
                if ev.closed:
                    if last is not None and open_time > key.interval.next_open(last):
                        async for item in self._backfill(key, clock):  # closes were missed: fill in first
                            yield item
                    if self._accept(key, ev.candle):
                        yield ev
                    if self._forming.get(key, -1) <= open_time:
                        self._forming.pop(key, None)
                    continue
                # Keep the oldest forming candle not yet confirmed closed: that is the one the grace watches.
                tracked = self._forming.get(key)
                if open_time > (last if last is not None else -1) and (tracked is None or tracked <= (last or -1)):
                    self._forming[key] = open_time
                yield ev
            else:
                yield ev
            async for item in self._finalize_overdue(clock):
                yield item

    async def _finalize_overdue(self, clock: int) -> AsyncIterator[FeedEvent]:
        """REST for candles whose close passed `grace` ago with no `x:true`, and for failed backfills."""
        grace_ms = int(self.policy.grace * 1000)
        due = [
            k
            for k, open_time in self._forming.items()
            if k.interval.close_time(open_time) + grace_ms < clock and (self._last(k) or -1) < open_time
        ]
        due += [k for k in self._stale if k not in due]
        for key in due:
            self._forming.pop(key, None)
            async for item in self._backfill(key, clock):
                yield item
