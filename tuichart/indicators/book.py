"""The indicator book: one track per series (its newest closed candles and TA-Lib state), warmed up on first use,
for an alert engine evaluating on its own (`AlertEngine.on_kline`); a market engine keeps its series' tracks in
`engine/series_book.py` instead."""

from __future__ import annotations

from collections.abc import Mapping

from tuichart.domain import HistoryLoader, KlineEvent, SeriesKey
from tuichart.indicators import MIN_WARMUP
from tuichart.indicators.track import IndicatorRow, IndicatorTrack


class IndicatorBook:
    """Per series one `IndicatorTrack`, warmed up from history the first time the series is asked for, O(1) per
    candle after that; not thread-safe (one thread or task owns it).

    A series asked for with more history than its track holds is warmed up again, holding that much from then on.
    """

    def __init__(self, load_history: HistoryLoader, *, keep: int = MIN_WARMUP) -> None:
        self._load = load_history
        self._keep = max(keep, MIN_WARMUP)
        self._tracks: dict[SeriesKey, IndicatorTrack] = {}

    @property
    def tracks(self) -> Mapping[SeriesKey, IndicatorTrack]:
        """The tracks held, by series."""
        return self._tracks

    def track(self, key: SeriesKey, before: int, need: int = 0) -> IndicatorTrack:
        """The series' track, warmed up with the `max(need, keep)` closed candles before open time `before` when
        it has none yet or holds fewer than `need`."""
        track = self._tracks.get(key)
        if track is None or track.keep < need:
            keep = max(need, self._keep)
            track = self._tracks[key] = IndicatorTrack(key, self._load(key, before, keep), keep=keep)
        return track

    def on_closed(self, event: KlineEvent) -> list[IndicatorRow]:
        """Fold a closed candle in; the rows to store now (none when it changes nothing)."""
        return self.track(event.key, event.candle.open_time).apply(event)[1]
