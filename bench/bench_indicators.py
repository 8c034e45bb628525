"""Indicator benchmarks: all six on 1M candles (our batch path vs bare TA-Lib), per-tick cost vs talipp."""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import polars as pl
import talib

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tuichart.domain import Candle, revalued  # noqa: E402
from tuichart.indicators import DEFAULT_STUDIES, LiveIndicators, with_indicators  # noqa: E402


def candles_frame(n: int) -> pl.DataFrame:
    """n candles of a random walk near 60,000 with wicks and volume."""
    rng = np.random.default_rng(3)
    close = 60_000 * np.exp(np.cumsum(rng.normal(0, 1e-3, n)))
    opens = np.r_[close[0], close[:-1]]
    wick = np.abs(rng.normal(0, 5e-4, n))
    return pl.DataFrame(
        {
            "open_time": np.arange(n, dtype=np.int64) * 60_000,
            "open": opens,
            "high": np.maximum(opens, close) * (1 + wick),
            "low": np.minimum(opens, close) * (1 - wick),
            "close": close,
            "volume": rng.gamma(2.0, 5.0, n),
        }
    )


def interleaved_medians(a: Callable[[], object], b: Callable[[], object], runs: int = 15) -> tuple[float, float]:
    """Median seconds of `a` and of `b`, run alternately after one warm-up each, so both see the same machine
    (run one after the other, whichever goes second met a different cache and clock, by up to 15 %)."""
    a()
    b()
    times_a: list[float] = []
    times_b: list[float] = []
    for _ in range(runs):
        for fn, times in ((a, times_a), (b, times_b)):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
    return statistics.median(times_a), statistics.median(times_b)


def bench_batch(n: int = 1_000_000) -> tuple[float, float]:
    """(our frame-in, frame-out batch path, bare TA-Lib on the same arrays), median seconds."""
    frame = candles_frame(n)
    h, lo, c = (frame[x].to_numpy() for x in ("high", "low", "close"))

    def bare() -> object:
        return (
            talib.EMA(c, 12),
            talib.EMA(c, 26),
            talib.RSI(c, 14),
            talib.MACD(c, 12, 26, 9),
            talib.BBANDS(c, 20, 2.0, 2.0, talib.MA_Type.SMA),
            talib.STOCHF(h, lo, c, 14, 3, talib.MA_Type.SMA),
        )

    return interleaved_medians(lambda: with_indicators(frame, DEFAULT_STUDIES), bare)


def ticks(frame: pl.DataFrame, start: int, n: int, per_candle: int = 10) -> list[Candle]:
    """Forming snapshots of the candles after `start`: `per_candle` ticks each, range growing to the final."""
    rng = np.random.default_rng(5)
    rows = frame.slice(start, n // per_candle + 1).to_dicts()
    out = []
    for r in rows:
        base = Candle(r["open_time"], r["open"], r["high"], r["low"], r["close"], r["volume"], 0, 0.0, 0, 0.0, 0.0)
        for k in range(1, per_candle + 1):
            price = r["open"] + (r["close"] - r["open"]) * rng.random()
            out.append(
                revalued(
                    base,
                    high=max(r["open"], price, r["high"] * k / per_candle + r["open"] * (1 - k / per_candle)),
                    low=min(r["open"], price),
                    close=price,
                    volume=r["volume"] * k / per_candle,
                )
            )
    return out[:n]


def per_tick_ours(history: list[Candle], snaps: list[Candle]) -> list[int]:
    """Nanoseconds of one `peek` of all six on each forming snapshot."""
    live = LiveIndicators(DEFAULT_STUDIES)
    live.reset(history)
    out = []
    clock = time.perf_counter_ns
    for s in snaps:
        t0 = clock()
        live.peek(s)
        out.append(clock() - t0)
    return out


def per_tick_talipp(history: list[Candle], snaps: list[Candle]) -> list[int]:
    """Nanoseconds of replacing the forming value in talipp's six indicators, per snapshot."""
    from talipp.indicators import BB, EMA, MACD, RSI, Stoch
    from talipp.ohlcv import OHLCV

    closes = [c.close for c in history]
    bars = [OHLCV(c.open, c.high, c.low, c.close, c.volume) for c in history]
    by_close = [EMA(12, closes), EMA(26, closes), RSI(14, closes), MACD(12, 26, 9, closes), BB(20, 2.0, closes)]
    stoch = Stoch(14, 3, bars)
    first = snaps[0]
    for ind in by_close:
        ind.add(first.close)
    stoch.add(OHLCV(first.open, first.high, first.low, first.close, first.volume))
    out = []
    clock = time.perf_counter_ns
    for s in snaps:
        t0 = clock()
        for ind in by_close:
            ind.update(s.close)
        stoch.update(OHLCV(s.open, s.high, s.low, s.close, s.volume))
        out.append(clock() - t0)
    return out


def mean_p99(ns: list[int]) -> tuple[float, float]:
    """Mean and 99th percentile in microseconds."""
    ordered = sorted(ns)
    return statistics.fmean(ns) / 1000, ordered[int(len(ordered) * 0.99)] / 1000


def main() -> list[tuple[str, str, str, str]]:
    """Rows of (metric, measured, goal, verdict)."""
    ours, bare = bench_batch()
    frame = candles_frame(3_000)
    history = [
        Candle(r["open_time"], r["open"], r["high"], r["low"], r["close"], r["volume"], 0, 0.0, 0, 0.0, 0.0)
        for r in frame.head(1_000).to_dicts()
    ]
    snaps = ticks(frame, 1_000, 20_000)
    mean, p99 = mean_p99(per_tick_ours(history, snaps))
    t_mean, t_p99 = mean_p99(per_tick_talipp(history, snaps))
    ratio = ours / bare
    return [
        ("all six, 1M candles: our batch", f"{ours * 1000:.1f} ms", "<= 1.1x bare", f"{ratio:.2f}x bare TA-Lib"),
        ("all six, 1M candles: bare TA-Lib", f"{bare * 1000:.1f} ms", "(anchor)", "1.00x"),
        ("per tick, all six: mean", f"{mean:.2f} us", "<= 3 us", f"{3 / mean:.2f}x goal; talipp {t_mean:.1f} us"),
        ("per tick, all six: p99", f"{p99:.2f} us", "<= 10 us", f"{10 / p99:.2f}x goal; talipp {t_p99:.1f} us"),
        ("talipp per tick, all six (mean)", f"{t_mean:.1f} us", "(comparison)", f"ours {t_mean / mean:.0f}x faster"),
    ]


if __name__ == "__main__":
    for row in main():
        print(" | ".join(row))
