"""What makes a kline unfit to store: checked before anything reaches the store or the indicators."""

from __future__ import annotations

import math

from tuichart.domain import DECIMAL_FIELDS, Candle, SeriesKey


def candle_problem(key: SeriesKey, c: Candle) -> str | None:
    """Why this kline of `key` must be rejected (one short phrase), or None when it is sound."""
    low, high = c.low, c.high
    amounts = (c.volume, c.quote_volume, c.taker_buy_volume, c.taker_buy_quote_volume)
    interval, t = key.interval, c.open_time
    if (  # every push passes here: the sound case in one expression, the reasons below only for a refused one
        math.isfinite(c.open + high + low + c.close + sum(amounts))
        and min(low, *amounts) >= 0
        and c.trades >= 0
        and low <= c.open <= high
        and low <= c.close <= high
        and interval.open_time(t) == t
        and c.close_time == interval.close_time(t)
    ):
        return None
    return _reason(key, c)


def _reason(key: SeriesKey, c: Candle) -> str | None:
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
    return None  # sound after all: finite values whose sum overflows
