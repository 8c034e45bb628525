"""A seeded synthetic market: one-minute candles with GARCH(1,1) volatility, generated lazily per symbol and day."""

from __future__ import annotations

import math
import zlib

import numpy as np

from tuichart.domain import MINUTE_MS
from tuichart.exchange.candles import Bars

DAY_MS = 1440 * MINUTE_MS
OMEGA, ALPHA, BETA = 2e-8, 0.08, 0.9
LONG_RUN_VAR = OMEGA / (1 - ALPHA - BETA)
# slow swings of an anchored market's daily level: (period in days, amplitude of log price)
_SWINGS = ((9.0, 0.03), (31.0, 0.06), (97.0, 0.12), (365.0, 0.2))


def generate_day(
    symbol: str,
    seed: int,
    day: int,
    n: int,
    price: float,
    var: float,
    base_volume: float,
    end_price: float | None = None,
) -> tuple[Bars, float, float]:
    """n one-minute candles of `day` after `price`; returns bars, last close, last variance.

    With `end_price` the day's drift is shifted so its last close is that price (an anchored day).
    """
    rng = np.random.default_rng([seed, zlib.crc32(symbol.encode()), day])
    z = rng.standard_normal(n).tolist()
    r = [0.0] * n
    v = var
    for i in range(n):  # plain floats: the same IEEE operations as numpy scalars, several times faster
        v = OMEGA + ALPHA * (r[i - 1] ** 2 if i else v) + BETA * v
        r[i] = math.sqrt(v) * z[i]
    rets = np.array(r)
    if end_price is not None:
        rets += (math.log(end_price / price) - float(rets.sum())) / n
    close = price * np.exp(np.cumsum(rets))
    if end_price is not None:
        close[-1] = end_price
    open_ = np.concatenate([[price], close[:-1]])
    sigma = math.sqrt(LONG_RUN_VAR)
    wick = np.abs(rng.standard_normal((2, n))) * sigma * 0.6
    high = np.maximum(open_, close) * (1 + wick[0])
    low = np.minimum(open_, close) * (1 - wick[1])
    activity = 1 + 4 * np.abs(rets) / sigma
    volume = base_volume * rng.lognormal(0, 0.5, n) * activity
    trades = np.maximum(1, (volume / base_volume * 300 * rng.uniform(0.7, 1.3, n)).astype(np.int64))
    tick = price_tick(price)
    open_, high, low, close = (np.round(x / tick) * tick for x in (open_, high, low, close))
    mid = (open_ + close) / 2
    taker = rng.uniform(0.35, 0.65, n)
    bars = Bars(
        MINUTE_MS,
        day * DAY_MS + np.arange(n, dtype=np.int64) * MINUTE_MS,
        open_,
        high,
        low,
        close,
        volume,
        volume * mid,
        trades,
        volume * taker,
        volume * taker * mid,
    )
    return bars, float(close[-1]), v


def price_tick(price: float) -> float:
    """Five significant digits, like a real order book."""
    return float(10.0 ** (np.floor(np.log10(price)) - 4))


def anchor_price(symbol: str, seed: int, day: int, price: float) -> float:
    """An anchored market's price at the start of `day`: slow seeded swings around `price`, known for any day."""
    rng = np.random.default_rng([seed, zlib.crc32(symbol.encode()), 0xA7C])
    phases = rng.uniform(0, 2 * math.pi, len(_SWINGS))
    level = sum(a * math.sin(2 * math.pi * day / p + ph) for (p, a), ph in zip(_SWINGS, phases, strict=True))
    noise = 0.02 * float(np.random.default_rng([seed, zlib.crc32(symbol.encode()), day, 0xA7C]).standard_normal())
    anchored = price * math.exp(level + noise)
    tick = price_tick(anchored)
    return round(anchored / tick) * tick


class SyntheticSource:
    """Generates symbols' candles on first request and a day ahead as time runs.

    Chained (the default), each day continues the previous one from `first_day`, so the series depends on when
    the market was made. Anchored, each day runs from its own anchor price to the next day's, so any day is the
    same whenever it is generated: a market made later continues a store left by an earlier one.
    """

    def __init__(
        self, scales: dict[str, tuple[float, float]], seed: int, first_day: int, *, anchored: bool = False
    ) -> None:
        self.scales = scales
        self.seed = seed
        self.first_day = first_day
        self.anchored = anchored
        self._state: dict[str, tuple[float, float, int]] = {}  # last close, last variance, next day

    def load(self, symbol: str, until: int) -> Bars:
        """The symbol's candles from `first_day` to a day past `until`."""
        price, _ = self.scales[symbol]
        self._state[symbol] = (price, 2e-7, self.first_day)
        bars = self._day(symbol)
        self.extend(symbol, bars, until)
        return bars

    def extend(self, symbol: str, bars: Bars, until: int) -> None:
        """Append days until the candles reach a day past `until`."""
        while self._state[symbol][2] * DAY_MS <= until + DAY_MS:
            bars.append(self._day(symbol))

    def forget(self, symbol: str) -> None:
        """Drop what was kept to continue the symbol (its candles were evicted)."""
        self._state.pop(symbol, None)

    def _day(self, symbol: str) -> Bars:
        price, var, day = self._state[symbol]
        typical, base_volume = self.scales[symbol]
        if self.anchored:
            start = anchor_price(symbol, self.seed, day, typical)
            end = anchor_price(symbol, self.seed, day + 1, typical)
            bars, close, var = generate_day(symbol, self.seed, day, 1440, start, LONG_RUN_VAR, base_volume, end)
        else:
            bars, close, var = generate_day(symbol, self.seed, day, 1440, price, var, base_volume)
        self._state[symbol] = (close, var, day + 1)
        return bars
