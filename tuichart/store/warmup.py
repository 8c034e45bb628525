"""Loading the closed candles just before a time, for anything that warms up indicator state."""

from __future__ import annotations

from tuichart.domain import Candle, HistoryLoader, SeriesKey
from tuichart.store.store import Store


def store_history(store: Store) -> HistoryLoader:
    """A history loader reading the store."""

    def load(key: SeriesKey, before: int, n: int) -> list[Candle]:
        return store.load_candles(key, last=n, until=before - 1)

    return load
