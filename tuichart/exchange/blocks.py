"""Many closed candles of one interval at once, each from a whole block of base candles: a backfill's page of
1,000 hours in one pass over its 60,000 minutes instead of 1,000 slices, with the very values `candle_in` gives."""

from __future__ import annotations

import numpy as np

from tuichart.domain import Candle, Interval
from tuichart.exchange.candles import Bars


def whole_blocks(b: Bars, iv: Interval, opens: range, now: int) -> tuple[int, list[Candle]]:
    """The longest run of candles of `iv` from the first of `opens` that are closed by `now` and hold every base
    candle of their span (as (how many, candles)); 0 when `b` keeps exact digits or `iv` is no whole multiple."""
    size, rem = divmod(opens.step, b.step)
    if b.units is not None or rem or not len(b) or not len(opens):
        return 0, []
    lo = int(np.searchsorted(b.open_time, opens.start, "left"))
    closed = (now + 1 - opens.start) // opens.step  # candles of `opens` whose close time is at most `now`
    n = min(len(opens), max(0, closed), (len(b) - lo) // size)
    if n <= 0 or int(b.open_time[lo]) != opens.start:
        return 0, []
    times = b.open_time[lo : lo + n * size].reshape(n, size)
    broken = np.flatnonzero(times[:, -1] - times[:, 0] != (size - 1) * b.step)  # a block missing a base candle
    if len(broken):
        n = int(broken[0])
    if n == 0:
        return 0, []

    def blocks(column: np.ndarray) -> np.ndarray:
        return column[lo : lo + n * size].reshape(n, size)

    # Each row's sum runs over its contiguous span as `.sum()` of that slice does: the same digits, bit for bit.
    sums = [blocks(getattr(b, f)).sum(axis=1).tolist() for f in ("volume", "quote_volume", "trades")]
    taker = [blocks(getattr(b, f)).sum(axis=1).tolist() for f in ("taker_buy_volume", "taker_buy_quote_volume")]
    high, low = blocks(b.high).max(axis=1).tolist(), blocks(b.low).min(axis=1).tolist()
    open_, close = blocks(b.open)[:, 0].tolist(), blocks(b.close)[:, -1].tolist()
    starts = range(opens.start, opens.start + n * opens.step, opens.step)
    candles = [
        Candle(t, o, h, lw, c, v, iv.close_time(t), q, int(k), tv, tq)
        for t, o, h, lw, c, v, q, k, tv, tq in zip(starts, open_, high, low, close, *sums, *taker, strict=True)
    ]
    return n, candles
