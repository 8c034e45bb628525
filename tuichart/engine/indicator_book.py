"""The stored indicator values: the default studies of each series, kept in step with its closed candles."""

from __future__ import annotations

from tuichart.domain import KlineEvent, SeriesKey
from tuichart.indicators import DEFAULT_STUDIES, MIN_WARMUP
from tuichart.indicators.track import IndicatorRow, IndicatorTrack
from tuichart.store.schema import INDICATOR_COLUMNS
from tuichart.store.warmup import HistoryLoader, store_history

__all__ = ["HistoryLoader", "IndicatorBook", "IndicatorRow", "store_history"]

assert tuple(c for s in DEFAULT_STUDIES for c in s.columns) == INDICATOR_COLUMNS  # the table's contract


class IndicatorBook:
    """Turns each closed candle into the indicator row to store, O(1) per candle once a series is warmed up.

    A series is warmed up from the store the first time one of its candles closes; a revised or late
    candle recomputes the candles held in memory, so no stored value is computed from a stale state.
    """

    def __init__(self, load_history: HistoryLoader, *, keep: int = MIN_WARMUP) -> None:
        self._load = load_history
        self._keep = max(keep, MIN_WARMUP)
        self._tracks: dict[SeriesKey, IndicatorTrack] = {}

    def on_closed(self, event: KlineEvent) -> list[IndicatorRow]:
        """The rows to upsert now that this candle is closed (none when it changes nothing)."""
        key = event.key
        track = self._tracks.get(key)
        if track is None:
            history = self._load(key, event.candle.open_time, MIN_WARMUP)
            track = self._tracks[key] = IndicatorTrack(key, history, keep=self._keep)
        return track.apply(event)[1]
