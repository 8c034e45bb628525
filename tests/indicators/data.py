"""Candle series for the indicator tests: the real samples and generated ones at any price scale."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import numpy as np

from tuichart.domain import Candle
from tuichart.market.vision import read_kline_file

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


def vision_candles(samples: Path) -> list[Candle]:
    """The three real BTCUSDT 1m days, 4320 candles."""
    out: list[Candle] = []
    for path in sorted((samples / "data_vision_klines").glob("*.zip")):
        out.extend(read_kline_file(path))
    return out


def octobot_candles(samples: Path, interval: str) -> list[Candle]:
    """Real ADA/BTC candles (prices near 1e-5) for one interval, the still-open last one dropped."""
    db = next((samples / "octobot_sqlite_ADA_BTC").glob("*.data"))
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT candle FROM ohlcv WHERE time_frame = ?", (interval,)).fetchall()
    raw = sorted((json.loads(r[0]) for r in rows), key=lambda c: c[0])[:-1]
    return [
        Candle(int(c[0] * 1000), c[1], c[2], c[3], c[4], c[5], int(c[0] * 1000) + 59_999, 0.0, 0, 0.0, 0.0) for c in raw
    ]
