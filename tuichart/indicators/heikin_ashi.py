"""Heikin-Ashi candles: close = mean of OHLC, open = midpoint of the previous Heikin-Ashi body."""

from __future__ import annotations

import numpy as np


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
