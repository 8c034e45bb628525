"""What makes a kline unfit to store: checked before anything reaches the store or the indicators."""

from __future__ import annotations

import math

from tuichart.domain import DECIMAL_FIELDS, Candle, SeriesKey


def candle_problem(key: SeriesKey, c: Candle) -> str | None:
    """Why this kline of `key` must be rejected (one short phrase), or None when it is sound."""
    values = [getattr(c, name) for name in DECIMAL_FIELDS]
    if not all(math.isfinite(v) for v in values):
        return "a price or volume is not a finite number"
    if any(v < 0 for v in values) or c.trades < 0:
        return "a negative price, volume or trade count"
    if c.high < c.low:
        return "high below low"
    if not (c.low <= c.open <= c.high and c.low <= c.close <= c.high):
        return "open or close outside [low, high]"
    if key.interval.open_time(c.open_time) != c.open_time:
        return f"open time off the {key.interval.value} grid"
    if c.close_time != key.interval.close_time(c.open_time):
        return f"close time is not the {key.interval.value} candle's"
    return None
