"""A series' progress by what is durable: the newest candle committed with every one before it accounted for."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tuichart.domain import Gap, SeriesKey
from tuichart.jobs.backfill import count_candles
from tuichart.store import Store

DEFAULT_MAX_BACKFILL = 10_000  # candles per series fetched on start: a week of 1m candles, eleven REST pages


class DurableProgress:
    """Per series, the newest candle committed to the store with every candle before it committed too or
    confirmed absent by the exchange; candles committed past a hole wait there until the hole is filled.

    The store writer reports commits from its thread; the feed and the summary read from the event loop.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._progress: dict[SeriesKey, int] = {}
        self._ahead: dict[SeriesKey, set[int]] = {}
        self._absent: dict[SeriesKey, dict[int, int]] = {}
        self.start: dict[SeriesKey, int] = {}
        """Each series' progress when it was begun: what a run is answerable for starts after it."""

    def begin(self, key: SeriesKey, progress: int, committed: Iterable[int] = ()) -> None:
        """Track a series from `progress`, with candles already committed past a hole after it."""
        with self._lock:
            self._progress[key] = self.start[key] = progress
            self._ahead[key] = {t for t in committed if t > progress}
            self._absent[key] = {}
            self._advance(key)

    def committed(self, key: SeriesKey, open_times: Sequence[int]) -> None:
        """Candles whose write was committed (called by the store writer)."""
        with self._lock:
            progress = self._progress.get(key)
            if progress is None:
                return
            self._ahead[key].update(t for t in open_times if t > progress)
            self._advance(key)

    def absent(self, gap: Gap) -> None:
        """A range the exchange itself has no candles for, once it is recorded as such."""
        with self._lock:
            progress = self._progress.get(gap.key)
            if progress is None or gap.last_open <= progress:
                return
            first = max(gap.first_open, gap.key.interval.next_open(progress))
            self._absent[gap.key][first] = gap.last_open
            self._advance(gap.key)

    def __call__(self, key: SeriesKey) -> int | None:
        """Open time of the series' newest durable candle (None for a series not begun)."""
        with self._lock:
            return self._progress.get(key)

    def has(self, key: SeriesKey, open_time: int) -> bool:
        """True when this candle is committed: at or before the progress, or past it beyond a hole."""
        with self._lock:
            progress = self._progress.get(key)
            return progress is not None and (open_time <= progress or open_time in self._ahead[key])

    def missing(self, key: SeriesKey, until: int) -> list[Gap]:
        """Runs of candles after the progress, up to open time `until`, neither committed nor confirmed absent."""
        with self._lock:
            progress = self._progress.get(key)
            if progress is None:
                return []
            ahead, absent = self._ahead[key], self._absent[key]
            step = key.interval.next_open
            out: list[Gap] = []
            first: int | None = None
            t = step(progress)
            while t <= until:
                if t in ahead or t in absent:
                    if first is not None:
                        out.append(_run(key, first, t))
                        first = None
                    t = step(absent.get(t, t))
                    continue
                if first is None:
                    first = t
                t = step(t)
            if first is not None:
                out.append(_run(key, first, t))
            return out

    def _advance(self, key: SeriesKey) -> None:
        progress, ahead, absent = self._progress[key], self._ahead[key], self._absent[key]
        step = key.interval.next_open
        while True:
            t = step(progress)
            if t in ahead:
                ahead.discard(t)
                progress = t
            elif t in absent:
                progress = absent.pop(t)
            else:
                break
        self._progress[key] = progress
        if not ahead:
            ahead.clear()  # an emptied set keeps the table of its largest size (a page: 33 KB a series)


def _run(key: SeriesKey, first: int, end: int) -> Gap:
    """The missing run from open time `first` up to, not including, `end`."""
    last = key.interval.open_time(end - 1)
    return Gap(key, first, last, count_candles(key, first, last))


@dataclass(frozen=True, slots=True)
class Resume:
    """Where recording a series resumes: its durable progress, candles stored past a hole after it, and the
    candles left out because they lie further back than the backfill limit (None when none are)."""

    progress: int
    committed: list[int]
    beyond_limit: Gap | None = None


def last_closed_open(key: SeriesKey, now: int) -> int:
    """Open time of the newest candle closed at `now`."""
    return key.interval.open_time(key.interval.open_time(now) - 1)


def back(key: SeriesKey, open_time: int, candles: int) -> int:
    """Open time `candles` candles before `open_time`."""
    if not key.interval.is_calendar:
        return open_time - candles * key.interval.nominal_ms
    for _ in range(candles):
        open_time = key.interval.open_time(open_time - 1)
    return open_time


def resume_point(store: Store, key: SeriesKey, now: int, max_backfill: int) -> Resume:
    """A series' durable progress in the store, read at start: the candle before its first hole among the newest
    `max_backfill` closed candles, or its newest stored candle when there is none.

    A series with nothing stored starts from the candle closed last. Holes between stored candles that the
    exchange is known not to have are no holes.
    """
    newest = last_closed_open(key, now)
    stored = store.last_open_time(key)
    if stored is None:
        return Resume(newest, [])
    lowest = back(key, newest, max_backfill - 1)  # the oldest candle a start may fetch
    before_lowest = key.interval.open_time(lowest - 1)
    if stored < lowest:
        first = key.interval.next_open(stored)
        return Resume(before_lowest, [], Gap(key, first, before_lowest, count_candles(key, first, before_lowest)))
    opens = store.load_columns(key, since=lowest, until=stored)["open_time"].tolist()
    older = len(store.load_columns(key, until=lowest - 1, last=1)["open_time"]) > 0
    if older and opens[0] > lowest:  # the hole reaches back past the limit: fetch from the limit on
        return Resume(before_lowest, [int(t) for t in opens])
    holes = store.gaps(key, since=lowest, until=stored)
    if not holes:
        return Resume(stored, [])
    progress = key.interval.open_time(holes[0].first_open - 1)
    return Resume(progress, [int(t) for t in opens if t > progress])
