"""Loading the closed candles just before a time, for anything that warms up indicator state."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from tuichart.domain import Candle, SeriesKey
from tuichart.store.store import Store

HistoryLoader = Callable[[SeriesKey, int, int], Sequence[Candle]]
"""(key, before open time, how many) -> the closed candles just before that time, oldest first."""


def store_history(store: Store) -> HistoryLoader:
    """A history loader reading the store."""

    def load(key: SeriesKey, before: int, n: int) -> list[Candle]:
        return store.load_candles(key, last=n, until=before - 1)

    return load
