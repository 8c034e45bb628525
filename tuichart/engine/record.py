"""`tuichart record`: every closed candle from the live feed into the store, nothing lost across reconnects."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field

from tuichart.domain import FeedState, FeedStatus, Gap, KlineEvent, SeriesKey
from tuichart.engine.alert_runner import AlertRunner
from tuichart.engine.durable import DurableProgress
from tuichart.engine.feed import FeedEvent
from tuichart.engine.indicator_book import IndicatorBook
from tuichart.plural import plural
from tuichart.store import Store, StoreWriter
from tuichart.timeparse import format_minute

log = logging.getLogger(__name__)


@dataclass(slots=True)
class RecordStats:
    """What a recording run committed to the store and what its feed reported."""

    written: dict[SeriesKey, int] = field(default_factory=dict)
    first_open: dict[SeriesKey, int] = field(default_factory=dict)
    last_open: dict[SeriesKey, int] = field(default_factory=dict)
    reconnects: int = 0
    gaps: list[Gap] = field(default_factory=list)
    """Ranges the exchange itself has no candles for."""
    state: FeedState = FeedState.CONNECTING

    def note_written(self, key: SeriesKey, open_times: Sequence[int]) -> None:
        """Count candles whose write was committed and widen the span written for their series."""
        if not open_times:
            return
        self.written[key] = self.written.get(key, 0) + len(open_times)
        self.first_open[key] = min(self.first_open.get(key, open_times[0]), min(open_times))
        self.last_open[key] = max(self.last_open.get(key, open_times[-1]), max(open_times))


class ClosedTracker:
    """The app's measure of a series' progress: the newest closed candle stored or handed to the writer.

    `record` goes by `DurableProgress` instead, which moves only over committed candles with no hole before them.
    """

    def __init__(self, store: Store, start_ms: int) -> None:
        self._store = store
        self._start = start_ms
        self._emitted: dict[SeriesKey, int] = {}

    def note(self, key: SeriesKey, open_time: int) -> None:
        """Remember a closed candle that was handed to the writer."""
        if open_time > self._emitted.get(key, -1):
            self._emitted[key] = open_time

    def __call__(self, key: SeriesKey) -> int:
        """Open time of the newest closed candle known; before any, the candle before the one forming at start."""
        stored = self._store.last_open_time(key)
        baseline = key.interval.open_time(key.interval.open_time(self._start) - 1)
        return max(stored if stored is not None else baseline, self._emitted.get(key, baseline))


class Recorder:
    """Hands a feed's events to the store writer, the indicator book and the alert rules, and keeps the figures.

    A gap the exchange has is recorded in the store, and only then counted as confirmed in `progress`.
    """

    def __init__(
        self,
        writer: StoreWriter,
        store: Store,
        progress: DurableProgress,
        stats: RecordStats,
        *,
        book: IndicatorBook | None = None,
        alerts: AlertRunner | None = None,
        on_event: Callable[[FeedEvent, RecordStats], None] | None = None,
    ) -> None:
        self.writer = writer
        self.store = store
        self.progress = progress
        self.stats = stats
        self.book = book
        self.alerts = alerts
        self.on_event = on_event

    async def handle(self, ev: FeedEvent) -> None:
        """Act on one feed event."""
        if isinstance(ev, KlineEvent):
            if ev.closed:
                self.writer.put(ev.key, ev.candle)
                if self.book is not None:
                    self.writer.put_indicators(ev.key, self.book.on_closed(ev))
            if self.alerts is not None:
                self.alerts.on_kline(ev)
        elif isinstance(ev, FeedStatus):
            if ev.state is FeedState.RECONNECTING and self.stats.state is FeedState.LIVE:
                self.stats.reconnects += 1
            self.stats.state = ev.state
        elif isinstance(ev, Gap):
            self.stats.gaps.append(ev)
            try:
                await asyncio.to_thread(self.store.record_exchange_gap, ev, ev.last_open)
            except Exception:  # not confirmed then: it stays missing, and the next start asks the exchange again
                log.exception("recording the exchange's gap in %s failed", ev.key)
            else:
                self.progress.absent(ev)
        if self.on_event is not None:
            self.on_event(ev, self.stats)

    async def run(
        self, events: AsyncIterator[FeedEvent], *, duration: float | None = None, stop: asyncio.Event | None = None
    ) -> None:
        """Consume events until `duration` seconds pass, `stop` is set, or the events end."""

        async def consume() -> None:
            async for ev in events:
                await self.handle(ev)

        task = asyncio.ensure_future(consume())
        stopped = asyncio.ensure_future(stop.wait() if stop is not None else asyncio.Event().wait())
        try:  # asyncio.wait cancels nothing itself (see stream.py on wait_for)
            await asyncio.wait([task, stopped], timeout=duration, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                task.result()
        finally:
            for t in (task, stopped):
                t.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t

    async def finish(self, events: AsyncIterator[FeedEvent]) -> None:
        """Consume a last batch of events (the feed's closing backfill) to its end."""
        async for ev in events:
            await self.handle(ev)


def series_summary(stats: RecordStats, keys: Sequence[SeriesKey], missing: Mapping[SeriesKey, list[Gap]]) -> list[str]:
    """Per series: the closed candles written and the UTC open times they span, then each range the exchange
    has no candles for and each range still missing."""
    lines = []
    for key in keys:
        n = stats.written.get(key, 0)
        if n:
            first, last = format_minute(stats.first_open[key]), format_minute(stats.last_open[key])
            lines.append(f"{key}: {plural(n, 'closed candle')}, open times {first} .. {last} UTC")
        else:
            lines.append(f"{key}: no candle closed")
    for gap in stats.gaps:
        lines.append(f"{gap.key}: the exchange has no candles {_range(gap)}")
    for key in keys:
        for gap in missing.get(key, []):
            lines.append(f"{key}: missing {_range(gap)}")
    return lines


def _range(gap: Gap) -> str:
    return f"{format_minute(gap.first_open)} .. {format_minute(gap.last_open)} UTC ({plural(gap.count, 'candle')})"


def totals_line(stats: RecordStats, filled: int, missing: Mapping[SeriesKey, list[Gap]]) -> str:
    """The run in one line: candles written, gaps filled, gaps the exchange has, candles missing, reconnects."""
    lost = sum(g.count for gaps in missing.values() for g in gaps)
    return (
        f"{plural(sum(stats.written.values()), 'closed candle')} recorded, {plural(filled, 'gap')} filled, "
        f"{plural(len(stats.gaps), 'gap')} the exchange has, {plural(lost, 'candle')} missing, "
        f"{plural(stats.reconnects, 'reconnect')}"
    )
