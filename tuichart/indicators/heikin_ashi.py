"""Heikin-Ashi candles: close = mean of OHLC, open = midpoint of the previous Heikin-Ashi body."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from tuichart.domain import Candle, revalued

if TYPE_CHECKING:
    import polars as pl


def heikin_ashi_arrays(
    o: np.ndarray, h: np.ndarray, low: np.ndarray, c: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Heikin-Ashi open, high, low, close of OHLC arrays (TradingView's seed: first open = (open + close) / 2)."""
    ha_close = (o + h + low + c) / 4.0
    ha_open = np.empty_like(ha_close)
    prev_open = prev_close = 0.0
    for i in range(len(ha_close)):  # a recurrence: each open needs the previous Heikin-Ashi candle
        prev_open = (o[i] + c[i]) / 2.0 if i == 0 else (prev_open + prev_close) / 2.0
        ha_open[i] = prev_open
        prev_close = ha_close[i]
    ha_high = np.maximum(h, np.maximum(ha_open, ha_close))
    ha_low = np.minimum(low, np.minimum(ha_open, ha_close))
    return ha_open, ha_high, ha_low, ha_close


def heikin_ashi(frame: pl.DataFrame) -> pl.DataFrame:
    """The candle frame (oldest first) with open/high/low/close replaced by their Heikin-Ashi values."""
    import polars as pl

    cols = [frame.get_column(n).cast(pl.Float64).to_numpy() for n in ("open", "high", "low", "close")]
    ha = heikin_ashi_arrays(*cols)
    return frame.with_columns([pl.Series(n, v) for n, v in zip(("open", "high", "low", "close"), ha, strict=True)])


class HeikinAshi:
    """Heikin-Ashi of a live series: `update` on close, `peek` for the forming candle, O(1) each."""

    __slots__ = ("_prev",)

    def __init__(self, closed: Sequence[Candle] = ()) -> None:
        self._prev: tuple[float, float] | None = None
        for c in closed:
            self.update(c)

    def peek(self, candle: Candle) -> Candle:
        """The Heikin-Ashi form of a candle after the last committed one; changes no state."""
        ha_close = (candle.open + candle.high + candle.low + candle.close) / 4.0
        prev = self._prev
        ha_open = (candle.open + candle.close) / 2.0 if prev is None else (prev[0] + prev[1]) / 2.0
        return revalued(
            candle,
            open=ha_open,
            high=max(candle.high, ha_open, ha_close),
            low=min(candle.low, ha_open, ha_close),
            close=ha_close,
        )

    def update(self, candle: Candle) -> Candle:
        """Commit a closed candle and return its Heikin-Ashi form."""
        ha = self.peek(candle)
        self._prev = (ha.open, ha.close)
        return ha
