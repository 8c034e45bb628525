"""The market feed: live stream events plus REST backfill, so every closed candle arrives exactly once.

After every connect and reconnect the closed candles since a series' progress (its newest candle kept with every
one before it) are fetched over REST. A candle is final on its `x:true` push, or, when none came within `grace`
seconds of its close, when REST has it. Ranges the exchange itself has no candles for (maintenance: REST answers
with a later candle, or with none up to `grace` before its clock) are reported once as a `Gap`; candles still
missing after a failed backfill are reported as a `Hole` at every try.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass

from tuichart.binance.backoff import Backoff
from tuichart.binance.rest import RestClient
from tuichart.binance.stream import Streams
from tuichart.candle_check import candle_problem
from tuichart.domain import Candle, FeedState, FeedStatus, Gap, KlineEvent, SeriesKey, TickerEvent
from tuichart.engine.prefetch import PagePrefetch
from tuichart.engine.sent import SentCandles
from tuichart.errors import TuichartError
from tuichart.jobs.backfill import count_candles
from tuichart.jobs.progress import Progress, no_progress

log = logging.getLogger(__name__)
CLOCK_SKEW_MS = 1_000
MAX_CLOCK_JUMP_MS = 86_400_000  # one day of exchange time between two events: a faster clock is a forged one


@dataclass(slots=True)
class FeedPolicy:
    """How long to wait for an `x:true` before asking REST, in seconds of exchange time, and how a failed
    backfill is retried: after `retry_initial` wall seconds, doubling up to `retry_cap`, until it succeeds."""

    grace: float = 5.0
    retry_initial: float = 1.0
    retry_cap: float = 60.0

    def backoff(self) -> Backoff:
        """A fresh backoff for one series' failed backfills."""
        return Backoff(initial=self.retry_initial, cap=self.retry_cap)


@dataclass(frozen=True, slots=True)
class Hole:
    """Candles of a series missing after a failed backfill, reported at each try while they last.

    `error` says why the last try failed and `retry_in` when the next one is; once filled, `error` is None.
    """

    key: SeriesKey
    first_open: int
    count: int
    error: str | None
    retry_in: float | None = None


FeedEvent = KlineEvent | TickerEvent | FeedStatus | Gap | Hole


@dataclass(slots=True)
class _Retry:
    backoff: Backoff
    due: float


class MarketFeed:
    """Stream events with closed candles deduplicated and gaps filled from REST.

    `last_closed` gives a series' progress: its newest candle known to be kept with every one before it. Each
    backfill starts right after it, so a live close that arrives while older candles are still missing never
    moves it past them. `stored` tells whether a candle past that progress is already kept (it is not sent
    again).
    """

    def __init__(
        self,
        rest: RestClient,
        stream: Streams,
        *,
        last_closed: Callable[[SeriesKey], int | None],
        stored: Callable[[SeriesKey, int], bool] | None = None,
        policy: FeedPolicy | None = None,
        progress: Progress = no_progress,
    ) -> None:
        self.rest = rest
        self.stream = stream
        self.policy = policy or FeedPolicy()
        self._last_closed = last_closed
        self._stored = stored or (lambda key, open_time: False)
        self._progress = progress
        self._sent = SentCandles(last_closed, self._stored)
        self._forming: dict[SeriesKey, int] = {}
        self._next_due = 0
        """No forming candle's grace ends before this exchange time (ms): events until then skip the search."""
        self._reported: set[tuple[SeriesKey, int]] = set()
        self._stale: set[SeriesKey] = set()
        self._retry: dict[SeriesKey, _Retry] = {}
        self._watched: set[SeriesKey] = set(stream.keys)
        self._warned: set[tuple[SeriesKey, str]] = set()
        self._left: set[SeriesKey] = set()
        """Series unwatched: their klines still on the way are let go quietly, not counted as refused."""
        self.clock = 0
        """The exchange's time as last seen (ms): from its events, or its clock when asked."""
        self.backfilled = 0
        """Closed candles that came from REST."""
        self.filled = 0
        """Backfills that brought at least one candle the stream had not."""
        self.rejected = 0
        """Klines refused before they reached anyone: unsound values, future times, unsubscribed series."""

    async def watch(self, keys: Iterable[SeriesKey]) -> None:
        """Stream more series; each is backfilled from its last known closed candle with the next event."""
        keys = list(keys)
        await self.stream.add(keys)
        self._watched.update(keys)
        self._left.difference_update(keys)
        self._stale.update(keys)

    async def unwatch(self, keys: Iterable[SeriesKey]) -> None:
        """Stop streaming series."""
        keys = list(keys)
        await self.stream.remove(keys)
        self._watched.difference_update(keys)
        self._left.update(keys)
        for key in keys:
            self._stale.discard(key)
            self._retry.pop(key, None)
            self._forming.pop(key, None)

    @property
    def held(self) -> int:
        """Closed candles sent and not yet known to be kept, which the feed holds in memory."""
        return self._sent.held

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

    async def _backfill(
        self,
        key: SeriesKey,
        now: int,
        *,
        gap: bool = True,
        ahead: tuple[int, AsyncIterator[list[Candle]]] | None = None,
    ) -> AsyncIterator[FeedEvent]:
        """Every closed candle from the series' progress to `now`; a failure is retried later, with backoff.

        With `gap` false (the closing backfill) what it brings is not counted as a gap filled; `ahead` is where a
        prefetch of its pages started, and those pages."""
        self._stale.discard(key)
        last = self._last_closed(key)
        if last is None:
            return
        start = key.interval.next_open(last) if ahead is None else ahead[0]
        newest = key.interval.open_time(key.interval.open_time(now) - 1)
        if start > newest:
            if self._retry.pop(key, None) is not None:
                yield Hole(key, start, 0, None)
            return
        total = count_candles(key, start, newest)
        task = f"backfilling {key}"
        expected = start
        brought = 0
        try:
            pages = self.rest.closed_klines(key, start, now_ms=now) if ahead is None else ahead[1]
            async for page in pages:
                for c in page:
                    too_late = c.close_time > now + CLOCK_SKEW_MS
                    problem = "a close time after the exchange's clock" if too_late else candle_problem(key, c)
                    if self._refused(key, c, problem):
                        # not a gap the exchange has: it is never recorded as one, so a later fill can mend it
                        expected = max(expected, key.interval.next_open(c.open_time))
                        continue
                    if c.open_time > expected:
                        absent = self._gap(key, expected, c.open_time)
                        if absent is not None:
                            yield absent
                    expected = key.interval.next_open(c.open_time)
                    if self._sent.accept(key, c):
                        self.backfilled += 1
                        brought += 1
                        yield KlineEvent(key, c, True, now)
                self._progress(task, min(total, count_candles(key, start, page[-1].open_time)), total)
        except TuichartError as exc:
            yield self._failed(key, str(exc), now)
            return
        if brought and gap:
            self.filled += 1
        settled = self.settled(key, now)
        if expected <= settled and not any(expected <= t <= settled for t in self._sent.open_times(key)):
            absent = self._gap(key, expected, key.interval.next_open(settled))  # none up to the clock, grace past
            if absent is not None:
                yield absent
        front = self._sent.frontier(key)
        newest_sent = max(self._sent.open_times(key), default=-1)
        if front is not None and front < min(newest_sent, newest):  # REST lacks candles the stream skipped
            yield self._failed(key, "the exchange's REST answer lacks them", now)
            return
        hole = self._retry.pop(key, None)
        if hole is not None:
            log.warning("backfill of %s succeeded; no candle is missing now", key)
            yield Hole(key, start, 0, None)

    def settled(self, key: SeriesKey, now: int | None = None) -> int:
        """Open time of the newest candle closed `grace` before `now` (the clock last seen): REST must have it."""
        clock = self.clock if now is None else now
        return key.interval.open_time(key.interval.open_time(clock - int(self.policy.grace * 1000)) - 1)

    def _failed(self, key: SeriesKey, error: str, now: int) -> Hole:
        """Schedule the next try of a series' backfill and describe what is missing meanwhile."""
        retry = self._retry.get(key)
        if retry is None:
            retry = self._retry[key] = _Retry(self.policy.backoff(), 0.0)
        delay = retry.backoff.next_delay()
        retry.due = time.monotonic() + delay
        front = self._sent.frontier(key)
        first = key.interval.next_open(front) if front is not None else key.interval.open_time(now)
        newest = key.interval.open_time(key.interval.open_time(now) - 1)
        after = [t for t in self._sent.open_times(key) if t > first]
        last = key.interval.open_time(min(after) - 1) if after else newest
        count = count_candles(key, first, last) if last >= first else 0
        log.warning(
            "backfill of %s failed: %s; %d candles from %d missing; retrying in %.2f s", key, error, count, first, delay
        )
        return Hole(key, first, count, error, delay)

    def _gap(self, key: SeriesKey, first: int, next_present: int) -> Gap | None:
        """A gap the exchange has (REST skipped it and returned a later candle), reported once."""
        last = key.interval.open_time(next_present - 1)
        self._sent.absent(key, first, last)
        if (key, first) in self._reported:
            return None
        self._reported.add((key, first))
        return Gap(key, first, last, count_candles(key, first, last))

    async def _backfill_all(
        self, now: int, *, gap: bool = True, keys: Iterable[SeriesKey] | None = None
    ) -> AsyncIterator[FeedEvent]:
        keys = list(self.stream.keys if keys is None else keys)
        starts = {k: k.interval.next_open(last) for k in keys if (last := self._last_closed(k)) is not None}
        prefetch = PagePrefetch(starts, now, lambda k, start: self.rest.closed_klines(k, start, now_ms=now))
        held: set[SeriesKey] = set()  # series whose backfilled candles the writer has yet to commit
        try:
            for key in keys:
                ahead = (starts[key], prefetch.pages(key)) if key in starts else None
                async for ev in self._backfill(key, now, gap=gap, ahead=ahead):
                    yield ev
                await prefetch.done(key)
                held = {k for k in (*held, key) if not self._sent.forget_kept(k)}  # else a 1h series holds its 1,000
        finally:
            await prefetch.close()

    async def _server_now(self, fallback: int) -> int:
        try:
            return await self.rest.server_time()
        except TuichartError:
            return fallback

    async def catch_up(self, keys: Iterable[SeriesKey] | None = None) -> AsyncIterator[FeedEvent]:
        """One last backfill of every series (or of `keys`, no longer watched) up to the exchange's clock now."""
        try:
            self.clock = max(self.clock, await self.rest.server_time())
        except TuichartError as exc:
            log.warning("no last backfill: %s", exc)
            return
        async for ev in self._backfill_all(self.clock, gap=False, keys=keys):
            yield ev

    async def events(self) -> AsyncIterator[FeedEvent]:
        """Live events; after each (re)connect, then whenever a candle's close went unconfirmed, REST fills in."""
        async for ev in self.stream.events():
            if isinstance(ev, FeedStatus):
                yield ev
                if ev.connected is not None or ev.state is FeedState.LIVE:  # these series' connection came up
                    # Never the local clock: judged by it, a replayed or skewed exchange's forming candle looks closed.
                    self.clock = max(self.clock, await self._server_now(self.clock))
                    if self.clock:
                        keys = None if ev.connected is None else [k for k in self.stream.keys if k in ev.connected]
                        async for item in self._backfill_all(self.clock, keys=keys):
                            yield item
                    else:  # filled in once the first event tells the exchange's time
                        self._stale.update(ev.connected if ev.connected is not None else self.stream.keys)
                continue
            if isinstance(ev, KlineEvent) and ev.key in self._left:
                continue  # on its way when the series was unwatched: neither kept nor counted as refused
            if isinstance(ev, KlineEvent) and self._refused(ev.key, ev.candle, self._stream_problem(ev, self.clock)):
                continue
            self.clock = max(self.clock, ev.event_time)
            if isinstance(ev, KlineEvent) and ev.closed:
                key, open_time = ev.key, ev.candle.open_time
                front = self._sent.frontier(key)
                missed = front is not None and open_time > key.interval.next_open(front)
                if missed and key not in self._retry:  # closes were missed: fill in first
                    async for item in self._backfill(key, self.clock):
                        yield item
                if self._sent.accept(key, ev.candle):
                    yield ev
                if self._forming.get(key, -1) <= open_time:
                    self._forming.pop(key, None)
                continue
            if isinstance(ev, KlineEvent):
                self._note_forming(ev.key, ev.candle.open_time)
            yield ev
            if self.clock >= self._next_due or self._stale or self._retry:  # most events find nothing due
                async for item in self._finalize_overdue(self.clock):
                    yield item

    def _note_forming(self, key: SeriesKey, open_time: int) -> None:
        """Keep the oldest forming candle not yet confirmed closed: that is the one the grace watches."""
        tracked = self._forming.get(key)
        if tracked == open_time:
            return  # a later push of the candle already watched (most pushes)
        front = self._sent.frontier(key)
        known = front if front is not None else -1
        if open_time > known and (tracked is None or tracked <= known):
            self._forming[key] = open_time
            self._next_due = min(self._next_due, self._grace_end(key, open_time))

    def _grace_end(self, key: SeriesKey, open_time: int) -> int:
        return key.interval.close_time(open_time) + int(self.policy.grace * 1000)

    async def _finalize_overdue(self, clock: int) -> AsyncIterator[FeedEvent]:
        """REST for candles whose close passed `grace` ago with no `x:true`, for new series, and for failed
        backfills whose next try is due."""
        due = [
            k
            for k, open_time in self._forming.items()
            if self._grace_end(k, open_time) < clock and (self._sent.frontier(k) or -1) < open_time
        ]
        wall = time.monotonic()
        due = [k for k in due if k not in self._retry]
        due += [k for k in self._stale if k not in due]
        due += [k for k, r in self._retry.items() if r.due <= wall and k not in due]
        for key in due:
            self._forming.pop(key, None)
        self._next_due = min(
            (self._grace_end(k, t) for k, t in self._forming.items() if (self._sent.frontier(k) or -1) < t),
            default=2**62,
        )
        for key in due:
            async for item in self._backfill(key, clock):
                yield item
