"""What a `tuichart record` run wrote and saw, and its summary lines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tuichart.domain import FeedState, FeedStatus, Gap, SeriesKey
from tuichart.engine.feed import FeedEvent
from tuichart.plural import plural
from tuichart.timeparse import format_minute


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

    def note(self, ev: FeedEvent) -> None:
        """Count reconnects and the exchange's own gaps."""
        if isinstance(ev, FeedStatus):
            if ev.state is FeedState.RECONNECTING and self.state is FeedState.LIVE:
                self.reconnects += 1
            self.state = ev.state
        elif isinstance(ev, Gap):
            self.gaps.append(ev)


def series_summary(
    stats: RecordStats, keys: Sequence[SeriesKey], missing: Mapping[SeriesKey, list[Gap]], *, brief: bool = False
) -> list[str]:
    """Per series: the closed candles written and the UTC open times they span (not when `brief`), then each range
    the exchange has no candles for and each range still missing."""
    lines = []
    for key in [] if brief else keys:
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
