"""DuckDB store of closed candles and their indicators."""

from tuichart.store.db import STORE_FILE, StoreMode
from tuichart.store.history import HistoryLoader, store_history
from tuichart.store.store import CANDLE_SCHEMA, SeriesSummary, Store, candles_frame, frame_candles
from tuichart.store.writer import StoreWriter

__all__ = [
    "CANDLE_SCHEMA",
    "STORE_FILE",
    "HistoryLoader",
    "SeriesSummary",
    "Store",
    "StoreMode",
    "StoreWriter",
    "candles_frame",
    "frame_candles",
    "store_history",
]
