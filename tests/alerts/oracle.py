"""An independent oracle for alert firing: states from TA-Lib's batch columns, edges found by hand."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import talib

from tuichart.domain import Candle


def columns(candles: Sequence[Candle]) -> dict[str, np.ndarray]:
    """The default studies' columns, computed by TA-Lib's batch functions over the candles."""
    close = np.array([c.close for c in candles])
    high = np.array([c.high for c in candles])
    low = np.array([c.low for c in candles])
    macd, signal, hist = talib.MACD(close, 12, 26, 9)
    upper, middle, lower = talib.BBANDS(close, 20, 2.0, 2.0, 0)
    k, d = talib.STOCHF(high, low, close, 14, 3, 0)
    return {
        "close": close,
        "ema_12": talib.EMA(close, 12),
        "ema_26": talib.EMA(close, 26),
        "rsi": talib.RSI(close, 14),
        "macd": macd,
        "macd_signal": signal,
        "macd_histogram": hist,
        "bb_upper": upper,
        "bb_middle": middle,
        "bb_lower": lower,
        "stoch_k": k,
        "stoch_d": d,
    }


def above(x: np.ndarray, y: np.ndarray | float) -> list[int | None]:
    """1 where x > y, else 0 (NaN is 0)."""
    return [int(v) for v in np.greater(x, y, where=True)]


def below(x: np.ndarray, y: np.ndarray | float) -> list[int | None]:
    """1 where x < y, else 0."""
    return [int(v) for v in np.less(x, y)]


def side(x: np.ndarray, y: np.ndarray | float) -> list[int | None]:
    """+1 above, -1 below, None on the level or NaN (the side is kept)."""
    yy = np.broadcast_to(y, x.shape)
    return [1 if a > b else -1 if a < b else None for a, b in zip(x, yy, strict=True)]


def change_pct(close: np.ndarray, n: int) -> np.ndarray:
    """Percent change of each close against the close n candles earlier (NaN before that)."""
    out = np.full(len(close), math.nan)
    out[n:] = (close[n:] - close[:-n]) / close[:-n] * 100.0
    return out


def fired_opens(
    states: Sequence[int | None],
    candles: Sequence[Candle],
    baseline: int,
    *,
    either_way: bool = False,
    cooldown_ms: int = 0,
) -> list[int]:
    """Open times of the closed candles after `baseline` where the rule fires: a state edge outside the cooldown."""
    state = states[baseline]
    last: int | None = None
    out: list[int] = []
    for i in range(baseline + 1, len(states)):
        now = states[i]
        if now is None:
            continue
        edge = state is not None and now != state and (either_way or now == 1)
        state = now
        at = candles[i].close_time + 1
        if edge and (last is None or at - last >= cooldown_ms):
            last = at
            out.append(candles[i].open_time)
    return out


StateFn = Callable[[dict[str, np.ndarray]], list[int | None]]
