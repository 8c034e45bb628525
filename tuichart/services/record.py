"""`tuichart record`: every closed candle from the live feed into the store, nothing lost across reconnects."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field

from tuichart.domain import FeedState, FeedStatus, Gap, KlineEvent, SeriesKey, TickerEvent
from tuichart.plural import plural
from tuichart.services.alert_runner import AlertRunner
from tuichart.services.indicator_book import IndicatorBook
from tuichart.store import Store, StoreWriter
from tuichart.timeparse import format_minute

FeedEvent = KlineEvent | TickerEvent | FeedStatus | Gap


@dataclass(slots=True)
class RecordStats:
    """What a recording run saw and wrote."""

    closed: dict[SeriesKey, int] = field(default_factory=dict)
    first_open: dict[SeriesKey, int] = field(default_factory=dict)
    last_open: dict[SeriesKey, int] = field(default_factory=dict)
    reconnects: int = 0
    gaps: list[Gap] = field(default_factory=list)
    state: FeedState = FeedState.CONNECTING

    def note_closed(self, event: KlineEvent) -> None:
        """Count a closed candle and widen the span seen for its series."""
        key, t = event.key, event.candle.open_time
        self.closed[key] = self.closed.get(key, 0) + 1
        self.first_open[key] = min(self.first_open.get(key, t), t)
        self.last_open[key] = max(self.last_open.get(key, t), t)


class ClosedTracker:
    """The newest closed candle per series, from the store and from what the feed emitted so far.

    The feed backfills from here after every reconnect, so it must not wait for batched store writes.
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


async def record_events(
    events: AsyncIterator[FeedEvent],
    writer: StoreWriter,
    store: Store,
    tracker: ClosedTracker,
    *,
    book: IndicatorBook | None = None,
    alerts: AlertRunner | None = None,
    duration: float | None = None,
    on_event: Callable[[FeedEvent, RecordStats], None] | None = None,
) -> RecordStats:
    """Consume feed events until `duration` seconds pass (or forever), writing closed candles through `writer`.

    With a `book`, each closed candle's default indicator values are written too; with `alerts`, every kline
    push (forming ones included) is evaluated against the alert rules.
    """
    stats = RecordStats()
    deadline = None if duration is None else time.monotonic() + duration

    async def consume() -> None:
        async for ev in events:
            if isinstance(ev, KlineEvent):
                if ev.closed:
                    writer.put(ev.key, ev.candle)
                    if book is not None:
                        writer.put_indicators(ev.key, book.on_closed(ev))
                    tracker.note(ev.key, ev.candle.open_time)
                    stats.note_closed(ev)
                if alerts is not None:
                    alerts.on_kline(ev)
            elif isinstance(ev, FeedStatus):
                if ev.state is FeedState.RECONNECTING and stats.state is FeedState.LIVE:
                    stats.reconnects += 1
                stats.state = ev.state
            elif isinstance(ev, Gap):
                stats.gaps.append(ev)
                await asyncio.to_thread(store.record_exchange_gap, ev, ev.last_open)
            if on_event is not None:
                on_event(ev, stats)

    task = asyncio.ensure_future(consume())
    try:
        if deadline is None:
            await task
        else:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(0.0, deadline - time.monotonic())):  # not wait_for: see stream.py
                    await asyncio.shield(task)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    return stats


def span_summary(stats: RecordStats, keys: Sequence[SeriesKey]) -> list[str]:
    """One line per series: how many closed candles were recorded and the UTC open times they span."""
    lines = []
    for key in keys:
        n = stats.closed.get(key, 0)
        if n:
            first, last = format_minute(stats.first_open[key]), format_minute(stats.last_open[key])
            lines.append(f"{key}: {plural(n, 'closed candle')}, open times {first} .. {last} UTC")
        else:
            lines.append(f"{key}: no candle closed")
    return lines
