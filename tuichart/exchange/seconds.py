"""One-second candles inside a one-minute candle: a seeded path from its open to its close within its high and low.

They aggregate back to the minute: the first opens at its open, the last closes at its close, one reaches its
high and one its low, and volumes and trades add up to its own.
"""

from __future__ import annotations

import zlib

import numpy as np

from tuichart.exchange.candles import Bars
from tuichart.exchange.synthetic import price_tick

SECOND_MS = 1000


def seconds_of(symbol: str, seed: int, b: Bars, i: int) -> Bars:
    """The one-second candles of base candle `i` of `b`."""
    n = b.step // SECOND_MS
    t0 = int(b.open_time[i])
    o, h, lo, c = (float(x[i]) for x in (b.open, b.high, b.low, b.close))
    rng = np.random.default_rng([seed, zlib.crc32(symbol.encode()), t0 // SECOND_MS, 1])
    walk = np.concatenate([[0.0], np.cumsum(rng.standard_normal(n))])
    bridge = walk - np.linspace(0.0, walk[-1], n + 1)  # zero at both ends
    up, down = bridge.max(), -bridge.min()
    room_up, room_down = h - max(o, c), min(o, c) - lo
    dev = np.where(bridge > 0, bridge / up * room_up if up > 0 else 0.0, bridge / down * room_down if down > 0 else 0.0)
    path = np.linspace(o, c, n + 1) + dev * rng.uniform(0.6, 1.0)
    tick = price_tick(o)
    path = np.clip(np.round(path / tick) * tick, lo, h)
    path[0], path[-1] = o, c
    opens, closes = path[:-1], path[1:]
    highs, lows = np.maximum(opens, closes), np.minimum(opens, closes)
    highs[int(np.argmax(highs))] = h
    lows[int(np.argmin(lows))] = lo
    w = rng.gamma(2.0, size=n)
    w /= w.sum()
    return Bars(
        SECOND_MS,
        t0 + np.arange(n, dtype=np.int64) * SECOND_MS,
        opens,
        highs,
        lows,
        closes,
        float(b.volume[i]) * w,
        float(b.quote_volume[i]) * w,
        rng.multinomial(int(b.trades[i]), w).astype(np.int64),
        float(b.taker_buy_volume[i]) * w,
        float(b.taker_buy_quote_volume[i]) * w,
    )
