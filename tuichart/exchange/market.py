"""The embedded exchange's market: base candles per symbol, a running clock, and exact aggregation.

Every interval at or above the base interval is served by aggregating base candles (first open, max high,
min low, last close, summed volumes and trades) on Binance's grid. The forming candle at clock time t holds the
base candles closed so far plus a partial one whose values stay inside that base candle's final OHLCV, so every
forming update stays inside the final candle and the last one equals it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from tuichart.decimals import float8
from tuichart.domain import DECIMAL_FIELDS, Candle, Interval, SeriesKey, TickerEvent

FIELDS = (
    "open_time",
    "open",
    "high",
    "low",
    "close",
    "volume",
    "quote_volume",
    "trades",
    "taker_buy_volume",
    "taker_buy_quote_volume",
)


@dataclass(slots=True)
class Bars:
    """Base candles of one symbol as numpy columns (open times ascending, evenly spaced by `step`)."""

    step: int
    open_time: np.ndarray
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray
    quote_volume: np.ndarray
    trades: np.ndarray
    taker_buy_volume: np.ndarray
    taker_buy_quote_volume: np.ndarray
    units: np.ndarray | None = None
    """Replayed files' exact DECIMAL_FIELDS (rows of Python ints, units of 1e-8), served digit for digit."""

    @classmethod
    def from_candles(cls, candles: list[Candle], step: int) -> Bars:
        """Columns from candles (sorted, duplicates by open time dropped)."""
        by_open = {c.open_time: c for c in candles}
        ordered = [by_open[t] for t in sorted(by_open)]
        cols = {
            f: np.array(
                [getattr(c, f) for c in ordered], dtype=np.int64 if f in ("open_time", "trades") else np.float64
            )
            for f in FIELDS
        }
        units = None
        if ordered and all(c.exact is not None for c in ordered):
            units = np.empty((len(ordered), len(DECIMAL_FIELDS)), dtype=object)
            units[:] = [c.exact for c in ordered]
        return cls(step, **cols, units=units)

    def __len__(self) -> int:
        return len(self.open_time)

    def append(self, other: Bars) -> None:
        """Add later candles."""
        for f in FIELDS:
            setattr(self, f, np.concatenate([getattr(self, f), getattr(other, f)]))
        both = self.units is not None and other.units is not None
        self.units = np.concatenate([self.units, other.units]) if both else None


def _exact(units: np.ndarray, lo: int, hi: int) -> tuple[int, ...]:
    """The exact DECIMAL_FIELDS of base rows lo..hi aggregated (Python ints: sums stay exact)."""
    rows = units[lo:hi]
    o, h, low, c = rows[0, 0], max(rows[:, 1]), min(rows[:, 2]), rows[-1, 3]
    return (o, h, low, c, *(sum(rows[:, j]) for j in range(4, len(DECIMAL_FIELDS))))


def _aggregate(b: Bars, lo: int, hi: int, open_time: int, close_time: int) -> Candle:
    if b.units is not None:
        exact = _exact(b.units, lo, hi)
        o, h, low, c, v, q, tv, tq = map(float8, exact)
        return Candle(open_time, o, h, low, c, v, close_time, q, int(b.trades[lo:hi].sum()), tv, tq, exact)
    return Candle(
        open_time,
        float(b.open[lo]),
        float(b.high[lo:hi].max()),
        float(b.low[lo:hi].min()),
        float(b.close[hi - 1]),
        float(b.volume[lo:hi].sum()),
        close_time,
        float(b.quote_volume[lo:hi].sum()),
        int(b.trades[lo:hi].sum()),
        float(b.taker_buy_volume[lo:hi].sum()),
        float(b.taker_buy_quote_volume[lo:hi].sum()),
    )


def _partial(b: Bars, i: int, frac: float) -> tuple[float, float, float, float, float, float, int, float, float]:
    """A base candle `frac` of the way through: values inside its final OHLCV, converging to them at 1."""
    o, c = float(b.open[i]), float(b.close[i])
    close = o + (c - o) * frac
    high = max(o, close, float(b.high[i]) if frac >= 0.75 else o)
    low = min(o, close, float(b.low[i]) if frac >= 0.5 else o)
    return (
        o,
        high,
        low,
        close,
        float(b.volume[i]) * frac,
        float(b.quote_volume[i]) * frac,
        int(b.trades[i] * frac),
        float(b.taker_buy_volume[i]) * frac,
        float(b.taker_buy_quote_volume[i]) * frac,
    )


@dataclass
class Market:
    """Symbols' base candles and a clock: market time = start + elapsed wall time x speed."""

    bars: dict[str, Bars]
    start_ms: int
    speed: float = 1.0
    extend: Callable[[Market, int], None] | None = None
    _wall0: float = field(default_factory=time.monotonic)

    def clock_ms(self) -> int:
        """Market time now, in ms."""
        now = self.start_ms + int((time.monotonic() - self._wall0) * 1000 * self.speed)
        if self.extend is not None:
            self.extend(self, now)
        return now

    def symbols(self) -> list[str]:
        """Symbols traded, sorted."""
        return sorted(self.bars)

    def supports(self, interval: Interval) -> bool:
        """True when the interval can be built from the base candles."""
        step = next(iter(self.bars.values())).step if self.bars else 60_000
        return interval.is_calendar or (interval.nominal_ms >= step and interval.nominal_ms % step == 0)

    def candles(self, key: SeriesKey, start: int, end: int, now: int, limit: int, newest: bool) -> list[Candle]:
        """Candles opening in [start, end] that have begun by `now`; the last may be forming (Binance's klines)."""
        b = self.bars[key.symbol]
        if not len(b):
            return []
        iv = key.interval
        first_open = iv.open_time(int(b.open_time[0]))
        t = iv.open_time(max(start, first_open))
        last_open = iv.open_time(min(end, now))
        opens: list[int] = []
        if newest:
            t = last_open
            while t >= max(start, first_open) and len(opens) < limit:
                opens.append(t)
                t = iv.open_time(t - 1)
            opens.reverse()
        else:
            while t <= last_open and len(opens) < limit:
                opens.append(t)
                t = iv.next_open(t)
        out = [self.candle_at(key, o, now) for o in opens]
        return [c for c in out if c is not None]

    def candle_at(self, key: SeriesKey, open_time: int, now: int) -> Candle | None:
        """The candle opening at `open_time` as it stands at market time `now` (None if it has no data yet)."""
        b = self.bars[key.symbol]
        close_time = key.interval.close_time(open_time)
        lo = int(np.searchsorted(b.open_time, open_time, "left"))
        hi = int(np.searchsorted(b.open_time, min(close_time, now), "right"))
        if hi <= lo:
            return None
        last = hi - 1
        base_close = int(b.open_time[last]) + b.step
        if base_close - 1 <= now:
            return _aggregate(b, lo, hi, open_time, close_time)
        frac = (now - int(b.open_time[last])) / b.step
        o, h, low, c, v, q, n, tv, tq = _partial(b, last, frac)
        if last > lo:
            done = _aggregate(b, lo, last, open_time, close_time)
            return Candle(
                open_time,
                done.open,
                max(done.high, h),
                min(done.low, low),
                c,
                done.volume + v,
                close_time,
                done.quote_volume + q,
                done.trades + n,
                done.taker_buy_volume + tv,
                done.taker_buy_quote_volume + tq,
            )
        return Candle(open_time, o, h, low, c, v, close_time, q, n, tv, tq)

    def closed_candles(self, key: SeriesKey, until_ms: int) -> list[Candle]:
        """Every candle of the series whose close time is at or before `until_ms`."""
        b = self.bars[key.symbol]
        if not len(b):
            return []
        out = []
        t = key.interval.open_time(int(b.open_time[0]))
        while key.interval.close_time(t) <= until_ms and t <= int(b.open_time[-1]):
            c = self.candle_at(key, t, until_ms)
            if c is not None:
                out.append(c)
            t = key.interval.next_open(t)
        return out

    def ticker(self, symbol: str, now: int) -> TickerEvent | None:
        """The 24 h rolling window ending at `now`."""
        b = self.bars[symbol]
        lo = int(np.searchsorted(b.open_time, now - 86_400_000, "left"))
        hi = int(np.searchsorted(b.open_time, now, "right"))
        if hi <= lo:
            return None
        frac = min(1.0, (now - int(b.open_time[hi - 1])) / b.step)
        _, h, low, c, v, q, *_ = _partial(b, hi - 1, frac)
        if hi - 1 > lo:
            h = max(h, float(b.high[lo : hi - 1].max()))
            low = min(low, float(b.low[lo : hi - 1].min()))
            v += float(b.volume[lo : hi - 1].sum())
            q += float(b.quote_volume[lo : hi - 1].sum())
        return TickerEvent(symbol, c, float(b.open[lo]), h, low, v, q, now)
