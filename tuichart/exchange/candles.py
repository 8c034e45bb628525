"""The embedded exchange's market: base candles per symbol, a running clock, and exact aggregation.

Every interval at or above the base interval is served by aggregating base candles (first open, max high,
min low, last close, summed volumes and trades) on Binance's grid. The forming candle at clock time t holds the
base candles closed so far plus a partial one whose values stay inside that base candle's final OHLCV, so every
forming update stays inside the final candle and the last one equals it.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from tuichart.decimals import text8, units8
from tuichart.domain import DECIMAL_FIELDS, Candle, Interval, SeriesKey, TickerEvent
from tuichart.exchange.listing import split_symbol

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
            units[:] = [tuple(map(units8, c.exact)) for c in ordered if c.exact is not None]
        return cls(step, **cols, units=units)

    def __len__(self) -> int:
        return len(self.open_time)

    def slice(self, lo: int, hi: int) -> Bars:
        """Candles lo..hi-1 (views, not copies)."""
        units = self.units[lo:hi] if self.units is not None else None
        return Bars(self.step, **{f: getattr(self, f)[lo:hi] for f in FIELDS}, units=units)

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


def aggregate_bars(b: Bars, lo: int, hi: int, open_time: int, close_time: int) -> Candle:
    if b.units is not None:
        texts = tuple(map(text8, _exact(b.units, lo, hi)))
        o, h, low, c, v, q, tv, tq = map(float, texts)
        return Candle(open_time, o, h, low, c, v, close_time, q, int(b.trades[lo:hi].sum()), tv, tq, texts)
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


def _partial(b: Bars, i: int, frac: float) -> Candle:
    """A base candle `frac` of the way through: values inside its final OHLCV, converging to them at 1."""
    frac = min(1.0, frac)
    o, c = float(b.open[i]), float(b.close[i])
    close = o + (c - o) * frac
    high = max(o, close, float(b.high[i]) if frac >= 0.75 else o)
    low = min(o, close, float(b.low[i]) if frac >= 0.5 else o)
    t = int(b.open_time[i])
    return Candle(
        t,
        o,
        high,
        low,
        close,
        float(b.volume[i]) * frac,
        t + b.step - 1,
        float(b.quote_volume[i]) * frac,
        int(b.trades[i] * frac),
        float(b.taker_buy_volume[i]) * frac,
        float(b.taker_buy_quote_volume[i]) * frac,
    )


def _merge(done: Candle, then: Candle, open_time: int, close_time: int) -> Candle:
    """The candle made of `done` followed by `then`."""
    return Candle(
        open_time,
        done.open,
        max(done.high, then.high),
        min(done.low, then.low),
        then.close,
        done.volume + then.volume,
        close_time,
        done.quote_volume + then.quote_volume,
        done.trades + then.trades,
        done.taker_buy_volume + then.taker_buy_volume,
        done.taker_buy_quote_volume + then.taker_buy_quote_volume,
    )


class Source(Protocol):
    """Where a market's candles come from when they are generated on request."""

    def load(self, symbol: str, until: int) -> Bars:
        """A symbol's base candles up to (at least) market time `until`."""
        ...

    def extend(self, symbol: str, bars: Bars, until: int) -> None:
        """Append base candles so they reach market time `until`."""
        ...

    def forget(self, symbol: str) -> None:
        """The symbol's candles were dropped; a later `load` starts it again."""
        ...


SecondsOf = Callable[[str, Bars, int], Bars]
MAX_LOADED = 48  # symbols a generated market keeps besides the pinned ones; others are generated again when asked
_MAX_SECONDS = 256
_NEVER = 2**62  # an open time past any market's data


@dataclass
class Market:
    """Symbols' base candles and a clock: market time = start + elapsed wall time x speed.

    A generated market lists its symbols in `listing` and loads each one's candles from `source` on first use;
    with `seconds_of`, it also serves one-second candles built inside each base candle.
    """

    bars: dict[str, Bars]
    start_ms: int
    speed: float = 1.0
    source: Source | None = None
    listing: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Every symbol traded, with its base and quote asset (the loaded ones and those not loaded yet)."""
    seconds_of: SecondsOf | None = None
    step: int = 60_000
    pinned: set[str] = field(default_factory=set)
    """Symbols whose candles are never dropped."""
    halted: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Symbols no longer trading (status BREAK), with base and quote asset."""
    _wall0: float = field(default_factory=time.monotonic)
    _seconds: OrderedDict[tuple[str, int], Bars] = field(default_factory=OrderedDict)

    def __post_init__(self) -> None:
        for sym, b in self.bars.items():
            self.listing.setdefault(sym, split_symbol(sym))
            self.step = b.step

    def clock_ms(self) -> int:
        """Market time now, in ms."""
        now = self._now()
        if self.source is not None:
            for sym, b in self.bars.items():
                self.source.extend(sym, b, now)
        return now

    def _now(self) -> int:
        return self.start_ms + int((time.monotonic() - self._wall0) * 1000 * self.speed)

    def symbols(self) -> list[str]:
        """Symbols traded, sorted."""
        return sorted(self.listing)

    def lists(self, symbol: str) -> bool:
        """True when the symbol trades here."""
        return symbol in self.listing

    def series(self, symbol: str) -> Bars:
        """A symbol's base candles, generated on first use (the least recently used are dropped past a limit)."""
        b = self.bars.pop(symbol, None)
        if b is None:
            if self.source is None:
                raise KeyError(symbol)
            b = self.source.load(symbol, self._now())
            loose = [s for s in self.bars if s not in self.pinned]
            for old in loose[: max(0, len(loose) + 1 - MAX_LOADED)]:
                del self.bars[old]
                self.source.forget(old)
        self.bars[symbol] = b
        return b

    def pin(self, symbol: str) -> None:
        """Load a symbol's candles now and keep them."""
        self.series(symbol)
        self.pinned.add(symbol)

    def supports(self, interval: Interval) -> bool:
        """True when the interval can be built from the base candles (or is one second, with `seconds_of`)."""
        if interval is Interval.S1 and self.seconds_of is not None:
            return True
        return interval.is_calendar or (interval.nominal_ms >= self.step and interval.nominal_ms % self.step == 0)

    def candles(self, key: SeriesKey, start: int, end: int, now: int, limit: int, newest: bool) -> list[Candle]:
        """Candles opening in [start, end] that have begun by `now`; the last may be forming (Binance's klines)."""
        b = self.series(key.symbol)
        if not len(b):
            return []
        iv = key.interval
        lowest = max(start, iv.open_time(int(b.open_time[0])))
        last_open = iv.open_time(min(end, now))
        # Like Binance, `limit` counts candles returned: the empty times of a gap the market has are skipped over.
        out: list[Candle] = []
        t = last_open if newest else iv.open_time(lowest)
        while (t >= lowest if newest else t <= last_open) and len(out) < limit:
            c = self.candle_at(key, t, now)
            if c is not None:
                out.append(c)
            t = self._after(b, iv, t, newest, found=c is not None)
        if newest:
            out.reverse()
        return out

    @staticmethod
    def _after(b: Bars, iv: Interval, t: int, newest: bool, *, found: bool) -> int:
        """The next open time to look at (older when `newest`), past the rest of a gap when `t` had no candle
        (-1 or _NEVER when no data lies beyond)."""
        step = iv.open_time(t - 1) if newest else iv.next_open(t)
        if found:
            return step
        if newest:
            i = int(np.searchsorted(b.open_time, t, "left")) - 1  # the last base bar before t
            return -1 if i < 0 else min(step, iv.open_time(int(b.open_time[i]) + b.step - 1))
        i = int(np.searchsorted(b.open_time, t, "right"))  # the first base bar after t
        return _NEVER if i >= len(b.open_time) else max(step, iv.open_time(int(b.open_time[i])))

    def candle_at(self, key: SeriesKey, open_time: int, now: int) -> Candle | None:
        """The candle opening at `open_time` as it stands at market time `now` (None if it has no data yet)."""
        b = self.series(key.symbol)
        if key.interval.nominal_ms < b.step:  # one-second candles, inside a base candle
            i = int(np.searchsorted(b.open_time, open_time, "right")) - 1
            if i < 0 or open_time >= int(b.open_time[i]) + b.step:
                return None
            fine = self._seconds_in(key.symbol, b, i)
            return candle_in(fine, key.interval, open_time, now, lambda j: _partial(fine, j, _frac(fine, j, now)))
        return candle_in(b, key.interval, open_time, now, lambda j: self._forming(key.symbol, b, j, now))

    def _forming(self, symbol: str, b: Bars, i: int, now: int) -> Candle:
        """Base candle `i` as it stands at `now`: from its one-second candles when there are any."""
        if self.seconds_of is None:
            return _partial(b, i, _frac(b, i, now))
        fine = self._seconds_in(symbol, b, i)
        k = min(len(fine) - 1, max(0, (now - int(b.open_time[i])) // fine.step))
        part = _partial(fine, k, _frac(fine, k, now))
        if k == 0:
            return part
        t = int(b.open_time[i])
        return _merge(aggregate_bars(fine, 0, k, t, t + b.step - 1), part, t, t + b.step - 1)

    def _seconds_in(self, symbol: str, b: Bars, i: int) -> Bars:
        assert self.seconds_of is not None
        key = (symbol, int(b.open_time[i]))
        fine = self._seconds.pop(key, None)
        if fine is None:
            fine = self.seconds_of(symbol, b, i)
            if len(self._seconds) >= _MAX_SECONDS:
                self._seconds.popitem(last=False)
        self._seconds[key] = fine
        return fine

    def closed_candles(self, key: SeriesKey, until_ms: int) -> list[Candle]:
        """Every candle of the series whose close time is at or before `until_ms`."""
        b = self.series(key.symbol)
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
        b = self.series(symbol)
        lo = int(np.searchsorted(b.open_time, now - 86_400_000, "left"))
        hi = int(np.searchsorted(b.open_time, now, "right"))
        if hi <= lo:
            return None
        last = self._forming(symbol, b, hi - 1, now)
        h, low, c, v, q = last.high, last.low, last.close, last.volume, last.quote_volume
        if hi - 1 > lo:
            h = max(h, float(b.high[lo : hi - 1].max()))
            low = min(low, float(b.low[lo : hi - 1].min()))
            v += float(b.volume[lo : hi - 1].sum())
            q += float(b.quote_volume[lo : hi - 1].sum())
        return TickerEvent(symbol, c, float(b.open[lo]), h, low, v, q, now)


def _frac(b: Bars, i: int, now: int) -> float:
    return (now - int(b.open_time[i])) / b.step


def forming_in(b: Bars, i: int, now: int) -> Candle:
    """Base candle `i` as it stands at market time `now`."""
    return _partial(b, i, _frac(b, i, now))


def candle_in(b: Bars, iv: Interval, open_time: int, now: int, forming: Callable[[int], Candle]) -> Candle | None:
    """The candle of `iv` opening at `open_time` from candles of `b`; `forming(i)` gives candle i before its close."""
    close_time = iv.close_time(open_time)
    lo = int(np.searchsorted(b.open_time, open_time, "left"))
    hi = int(np.searchsorted(b.open_time, min(close_time, now), "right"))
    if hi <= lo:
        return None
    last = hi - 1
    if int(b.open_time[last]) + b.step - 1 <= now:
        return aggregate_bars(b, lo, hi, open_time, close_time)
    part = forming(last)
    if last > lo:
        return _merge(aggregate_bars(b, lo, last, open_time, close_time), part, open_time, close_time)
    return Candle(
        open_time,
        part.open,
        part.high,
        part.low,
        part.close,
        part.volume,
        close_time,
        part.quote_volume,
        part.trades,
        part.taker_buy_volume,
        part.taker_buy_quote_volume,
    )
