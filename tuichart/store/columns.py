"""Candles as named NumPy columns, the store's exchange format, and as Polars frames for tools."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tuichart.domain import CANDLE_FIELDS, DECIMAL_FIELDS, Candle

if TYPE_CHECKING:  # Polars is for exports and tools; the app never loads it (~35 MB, 0.2 s)
    import polars as pl

Columns = dict[str, np.ndarray]
"""Named NumPy columns of equal length, the store's exchange format (DuckDB scans them in place)."""

INT_FIELDS = frozenset({"open_time", "close_time", "trades"})
TEXT_SUFFIX = "_text"
"""Beside a price or volume column: its source's decimal text, kept exactly by the store."""


def candle_schema() -> pl.Schema:
    """The Polars schema of a candle frame (ms int times)."""
    import polars as pl

    return pl.Schema({name: (pl.Int64() if name in INT_FIELDS else pl.Float64()) for name in CANDLE_FIELDS})


def candles_columns(candles: Sequence[Candle]) -> Columns:
    """Columns (ms int times) of candles, in the store's column order."""
    return {
        name: np.fromiter((getattr(c, name) for c in candles), np.int64 if name in INT_FIELDS else np.float64)
        for name in CANDLE_FIELDS
    }


def exact_columns(candles: Sequence[Candle]) -> Columns:
    """Columns to store: prices and volumes as float64 values and, when any candle has its source's digits, those
    digits beside them (`<name>_text`, object arrays of str or None) for the store to keep exactly."""
    columns = candles_columns(candles)
    if any(c.exact is not None for c in candles):
        for j, name in enumerate(DECIMAL_FIELDS):
            texts = np.empty(len(candles), dtype=object)
            texts[:] = [c.exact[j] if c.exact is not None else None for c in candles]
            columns[name + TEXT_SUFFIX] = texts
    return columns


def columns_candles(columns: Columns) -> list[Candle]:
    """Candles from columns with the store's names."""
    return [Candle(*row) for row in zip(*(columns[name].tolist() for name in CANDLE_FIELDS), strict=True)]


def candles_frame(candles: Sequence[Candle]) -> pl.DataFrame:
    """A Polars frame (ms int times) of candles, in the store's column order."""
    import polars as pl

    return pl.DataFrame(candles_columns(candles), schema=candle_schema())


def frame_candles(frame: pl.DataFrame) -> list[Candle]:
    """Candles from a frame with the store's columns."""
    return [Candle(*row) for row in frame.select(CANDLE_FIELDS).iter_rows()]
