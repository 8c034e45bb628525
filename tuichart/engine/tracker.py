"""The app's measure of a series' progress, for engines that do not go by durable progress."""

from __future__ import annotations

from tuichart.domain import SeriesKey
from tuichart.store import Store


class ClosedTracker:
    """A series' progress as the newest closed candle stored or handed to the writer (`record` goes by
    `DurableProgress` instead, which moves only over committed candles with no hole before them)."""

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
