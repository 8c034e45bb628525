"""The stored indicator values: the default studies of each series, kept in step with its closed candles."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from tuichart.domain import Candle, KlineEvent, SeriesKey
from tuichart.indicators import DEFAULT_STUDIES, MIN_WARMUP, LiveIndicators
from tuichart.series import Change, Series
from tuichart.store import Store
from tuichart.store.schema import INDICATOR_COLUMNS

IndicatorRow = tuple[int, tuple[float, ...]]
"""A closed candle's open time (ms) and its values in `INDICATOR_COLUMNS` order."""

HistoryLoader = Callable[[SeriesKey, int, int], Sequence[Candle]]
"""(key, before open time, how many) -> the closed candles just before that time, oldest first."""

assert tuple(c for s in DEFAULT_STUDIES for c in s.columns) == INDICATOR_COLUMNS  # the table's contract


@dataclass(slots=True)
class _Track:
    series: Series
    live: LiveIndicators


def store_history(store: Store) -> HistoryLoader:
    """A history loader reading the store."""

    def load(key: SeriesKey, before: int, n: int) -> list[Candle]:
        return store.load_candles(key, last=n, until=before - 1)

    return load


class IndicatorBook:
    """Turns each closed candle into the indicator row to store, O(1) per candle once a series is warmed up.

    A series is warmed up from the store the first time one of its candles closes; a revised or late
    candle recomputes the candles held in memory, so no stored value is computed from a stale state.
    """

    def __init__(self, load_history: HistoryLoader, *, keep: int = 2 * MIN_WARMUP) -> None:
        self._load = load_history
        self._keep = max(keep, MIN_WARMUP)
        self._tracks: dict[SeriesKey, _Track] = {}

    def on_closed(self, event: KlineEvent) -> list[IndicatorRow]:
        """The rows to upsert now that this candle is closed (none when it changes nothing)."""
        key, candle = event.key, event.candle
        track = self._tracks.get(key)
        if track is None:
            history = list(self._load(key, candle.open_time, MIN_WARMUP))
            track = _Track(Series(key, history), LiveIndicators(DEFAULT_STUDIES))
            track.live.reset(track.series.closed)
            self._tracks[key] = track
        change = track.series.apply(event)
        if change is Change.CLOSED:
            rows = [(candle.open_time, track.live.update(candle))]
        elif change is Change.REVISED:
            rows = self._recompute(track, candle.open_time)
        else:
            return []
        if len(track.series) > 2 * self._keep:
            track.series.drop_older(self._keep)
        return rows

    def _recompute(self, track: _Track, since: int) -> list[IndicatorRow]:
        closed = track.series.closed
        values = track.live.reset(closed)
        matrix = np.column_stack([values[c] for c in INDICATOR_COLUMNS])
        return [(c.open_time, tuple(matrix[i].tolist())) for i, c in enumerate(closed) if c.open_time >= since]
