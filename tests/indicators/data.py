"""Candle series for the indicator tests: the real BTCUSDT days (as they are, merged, or priced in satoshis) and
generated ones at any price scale."""

from __future__ import annotations

from itertools import groupby

import numpy as np

from tests.data_paths import VISION_ZIPS
from tuichart.binance.vision import read_kline_file
from tuichart.domain import Candle, Interval

SCALES = (1e-8, 1e-4, 100.0, 6e4)


def generated(scale: float, n: int = 1500, seed: int = 7, flat: bool = True) -> list[Candle]:
    """A random walk around `scale` with wicks and volume; with `flat`, two runs of identical candles."""
    rng = np.random.default_rng(seed)
    close = scale * np.exp(np.cumsum(rng.normal(0, 0.01, n)))
    windows = ((n // 5, n // 5 + min(40, n // 4)), (3 * n // 5, 3 * n // 5 + min(30, n // 4))) if flat else ()
    for a, b in windows:  # a dead market: RSI, %K and band width hit their flat conventions
        close[a:b] = close[a - 1]
    opens = np.r_[close[0], close[:-1]]
    wick = np.abs(rng.normal(0, 0.004, n))
    high = np.maximum(opens, close) * (1 + wick)
    low = np.minimum(opens, close) * (1 - wick)
    for a, b in windows:
        opens[a + 1 : b], high[a + 1 : b], low[a + 1 : b] = close[a], close[a], close[a]
    volume = rng.gamma(2.0, 50.0, n)
    return [
        Candle(i * 60_000, opens[i], high[i], low[i], close[i], volume[i], i * 60_000 + 59_999, 0.0, 10, 0.0, 0.0)
        for i in range(n)
    ]


def vision_candles() -> list[Candle]:
    """The three real BTCUSDT 1m days, 4320 candles."""
    return [c for path in VISION_ZIPS for c in read_kline_file(path)]


def aggregated(candles: list[Candle], interval: Interval) -> list[Candle]:
    """Consecutive candles merged into `interval`'s candles: first open, highest high, lowest low, last close."""
    out: list[Candle] = []
    for open_time, group in groupby(candles, key=lambda c: interval.open_time(c.open_time)):
        g = list(group)
        out.append(
            Candle(
                open_time,
                g[0].open,
                max(c.high for c in g),
                min(c.low for c in g),
                g[-1].close,
                sum(c.volume for c in g),
                interval.close_time(open_time),
                sum(c.quote_volume for c in g),
                sum(c.trades for c in g),
                sum(c.taker_buy_volume for c in g),
                sum(c.taker_buy_quote_volume for c in g),
            )
        )
    return out


def satoshi_priced(interval: Interval, level: float = 1e-5) -> list[Candle]:
    """The real BTCUSDT days at `interval`, prices scaled to `level` and rounded to Binance's 8 decimals (three
    significant digits at 1e-5, as a pair priced in satoshis has), volumes scaled so the quote volume is kept."""
    candles = aggregated(vision_candles(), interval)
    factor = level / candles[0].open
    return [
        Candle(
            c.open_time,
            round(c.open * factor, 8),
            round(c.high * factor, 8),
            round(c.low * factor, 8),
            round(c.close * factor, 8),
            c.volume / factor,
            c.close_time,
            c.quote_volume,
            c.trades,
            c.taker_buy_volume / factor,
            c.taker_buy_quote_volume,
        )
        for c in candles
    ]


def heikin_ashi_by_hand(candles: list[Candle]) -> list[tuple[float, float, float, float]]:
    """Heikin-Ashi (open, high, low, close) of each candle by the textbook recurrence, one candle at a time:
    close = mean of OHLC, open = midpoint of the previous Heikin-Ashi body (the first: of its own open and close)."""
    out: list[tuple[float, float, float, float]] = []
    for c in candles:
        ha_close = (c.open + c.high + c.low + c.close) / 4.0
        ha_open = (c.open + c.close) / 2.0 if not out else (out[-1][0] + out[-1][3]) / 2.0
        out.append((ha_open, max(c.high, ha_open, ha_close), min(c.low, ha_open, ha_close), ha_close))
    return out
