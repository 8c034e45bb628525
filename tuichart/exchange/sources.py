"""Where the embedded exchange's candles come from: replayed kline files or a seeded synthetic market."""

from __future__ import annotations

import time
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from tuichart.domain import MINUTE_MS, Candle
from tuichart.errors import BadInput
from tuichart.exchange.market import Bars, Market
from tuichart.market.vision import key_from_name, read_kline_file

REPLAY_HISTORY = 500

# Typical price and 1m volume of well-known symbols, so the demo looks like the real thing.
_SCALES: dict[str, tuple[float, float]] = {
    "BTCUSDT": (60_000.0, 15.0),
    "ETHUSDT": (3_000.0, 200.0),
    "SOLUSDT": (150.0, 3_000.0),
    "BNBUSDT": (600.0, 300.0),
    "XRPUSDT": (0.6, 500_000.0),
    "DOGEUSDT": (0.12, 3_000_000.0),
    "SHIBUSDT": (0.000018, 3e10),
    "PEPEUSDT": (0.0000095, 5e10),
    "ADABTC": (0.0000095, 100_000.0),
}


def replay_market(paths: Sequence[Path], *, speed: float = 1.0, start_ms: int | None = None) -> Market:
    """A market replaying data.binance.vision kline files (symbol and interval from each file's name).

    The clock starts at `start_ms`, by default at the open of the 501st candle, so REST serves 500 closed
    candles of history before the first live one; it runs at `speed` times real time.
    """
    if not paths:
        raise BadInput("give at least one kline file to replay")
    by_symbol: dict[str, list[Candle]] = {}
    steps: dict[str, int] = {}
    for p in paths:
        key = key_from_name(p)
        if key.interval.is_calendar:
            raise BadInput(f"{p.name}: month candles cannot be replayed; use 1m..1w files")
        step = key.interval.nominal_ms
        if steps.setdefault(key.symbol, step) != step:
            raise BadInput(f"{p.name}: {key.symbol} is already replayed at another interval")
        by_symbol.setdefault(key.symbol, []).extend(read_kline_file(p))
    bars = {s: Bars.from_candles(c, steps[s]) for s, c in by_symbol.items()}
    if start_ms is None:
        first = min(int(b.open_time[min(REPLAY_HISTORY, len(b) - 1)]) for b in bars.values())
        start_ms = first
    return Market(bars, start_ms, speed)


def _generate(
    symbol: str, seed: int, day: int, first_open: int, n: int, price: float, var: float, base_volume: float
) -> tuple[Bars, float, float]:
    """n one-minute candles after `price`, with GARCH(1,1) volatility; returns bars, last close, last variance."""
    rng = np.random.default_rng([seed, zlib.crc32(symbol.encode()), day])
    z = rng.standard_normal(n)
    omega, alpha, beta = 2e-8, 0.08, 0.9
    rets = np.empty(n)
    for i in range(n):
        var = omega + alpha * (rets[i - 1] ** 2 if i else var) + beta * var
        rets[i] = np.sqrt(var) * z[i]
    close = price * np.exp(np.cumsum(rets))
    open_ = np.concatenate([[price], close[:-1]])
    sigma = np.sqrt(omega / (1 - alpha - beta))
    wick = np.abs(rng.standard_normal((2, n))) * sigma * 0.6
    high = np.maximum(open_, close) * (1 + wick[0])
    low = np.minimum(open_, close) * (1 - wick[1])
    activity = 1 + 4 * np.abs(rets) / sigma
    volume = base_volume * rng.lognormal(0, 0.5, n) * activity
    trades = np.maximum(1, (volume / base_volume * 300 * rng.uniform(0.7, 1.3, n)).astype(np.int64))
    tick = 10.0 ** (np.floor(np.log10(price)) - 4)  # five significant digits, like a real order book
    open_, high, low, close = (np.round(x / tick) * tick for x in (open_, high, low, close))
    mid = (open_ + close) / 2
    taker = rng.uniform(0.35, 0.65, n)
    bars = Bars(
        MINUTE_MS,
        first_open + np.arange(n, dtype=np.int64) * MINUTE_MS,
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
    return bars, float(close[-1]), var


def synthetic_market(
    symbols: Sequence[str], *, seed: int = 0, speed: float = 1.0, history_days: int = 30, now_ms: int | None = None
) -> Market:
    """A seeded synthetic market of 1m candles: `history_days` before now, generated a day ahead as time runs."""
    if not symbols:
        raise BadInput("give at least one symbol for the synthetic market")
    now = int(time.time() * 1000) if now_ms is None else now_ms
    day_ms = 1440 * MINUTE_MS
    first_day = now // day_ms - history_days
    # per symbol: last close, last GARCH variance, next day to generate, typical 1m volume
    state: dict[str, tuple[float, float, int, float]] = {}
    for sym in symbols:
        price, base_volume = _SCALES.get(sym, (10.0 ** (zlib.crc32(sym.encode()) % 5), 1_000.0))
        state[sym] = (price, 2e-7, first_day, base_volume)

    def extend(market: Market, until: int) -> None:
        for sym in symbols:
            price, var, next_day, base_volume = state[sym]
            while next_day * day_ms <= until + day_ms:
                chunk, price, var = _generate(sym, seed, next_day, next_day * day_ms, 1440, price, var, base_volume)
                if sym in market.bars:
                    market.bars[sym].append(chunk)
                else:
                    market.bars[sym] = chunk
                next_day += 1
            state[sym] = (price, var, next_day, base_volume)

    market = Market({}, now, speed, extend)
    extend(market, now)
    return market
