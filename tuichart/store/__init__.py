"""DuckDB store of closed candles and their indicators."""

from tuichart.store.columns import (
    Columns,
    candle_schema,
    candles_columns,
    candles_frame,
    columns_candles,
    frame_candles,
)
from tuichart.store.db import STORE_FILE, StoreMode
from tuichart.store.store import SeriesSummary, Store
from tuichart.store.warmup import store_history
from tuichart.store.writer import StoreWriter

__all__ = [
    "STORE_FILE",
    "Columns",
    "SeriesSummary",
    "Store",
    "StoreMode",
    "StoreWriter",
    "candle_schema",
    "candles_columns",
    "candles_frame",
    "columns_candles",
    "frame_candles",
    "store_history",
]
