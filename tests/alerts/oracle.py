"""An independent oracle for alert firing: states from TA-Lib's batch columns, edges found by hand."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tests.indicators.test_reference import reference
from tuichart.domain import Candle


def columns(candles: Sequence[Candle]) -> dict[str, np.ndarray]:
    """The close and the indicator columns from TA-Lib called directly (the indicator tests' hand-written calls)."""
    return {"close": np.array([c.close for c in candles]), **reference(list(candles))}


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
