"""A synthetic market of any size: thousands of symbols, each generated an hour at a time when asked for.

Every hour of a symbol runs from its own anchor price to the next hour's (seeded by symbol and hour), so any hour
can be made, dropped and made again alike, and nothing is generated until a request or a push needs it. A few
thousand symbols start at once and hold a bounded cache of hours.
"""

from __future__ import annotations

import math
import random
import time
import zlib
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from tuichart.domain import MINUTE_MS, Candle, Interval, SeriesKey, TickerEvent
from tuichart.exchange.blocks import whole_blocks
from tuichart.exchange.candles import FIELDS, Bars, aggregate_bars, candle_in, forming_in
from tuichart.exchange.listing import Listed, made_up_symbol

HOUR_MS = 60 * MINUTE_MS
_CACHED_HOURS = 8192  # about 40 MB of hours; a push needs the current hour of each symbol
_SWINGS = ((37.0, 0.02), (9 * 24.0, 0.05), (31 * 24.0, 0.1), (97 * 24.0, 0.15))  # (period in hours, amplitude)
_HOURLY_NOISE = 0.004
_BLOCK = 8  # hours past which a window is made in one block rather than from the cache
_MINUTE_SIGMA = 0.0012


EMPTY = Bars(MINUTE_MS, **{f: np.empty(0, np.int64 if f in ("open_time", "trades") else float) for f in FIELDS})


def price_step(price: float) -> float:
    """Five significant digits, never finer than Binance's 8 decimals."""
    return max(1e-8, float(10.0 ** (math.floor(math.log10(price)) - 4)))


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


def _mix(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finaliser over uint64s: a counter-based random number per element, any element alone."""
    z = x + _GOLDEN  # then in place: a page of 1,000 hours draws 60,000 numbers ten times
    z ^= z >> np.uint64(30)
    z *= np.uint64(0xBF58476D1CE4E5B9)
    z ^= z >> np.uint64(27)
    z *= np.uint64(0x94D049BB133111EB)
    z ^= z >> np.uint64(31)
    return z


def _uniform(key: int, hours: np.ndarray, draw: int, width: int) -> np.ndarray:
    """(len(hours), width) uniforms in (0, 1), fixed by the symbol's key, the hour and the draw."""
    counter = (hours.astype(np.uint64)[:, None] * np.uint64(16) + np.uint64(draw)) * np.uint64(64)
    counter = counter + np.arange(width, dtype=np.uint64)[None, :]
    return ((_mix(counter ^ np.uint64(key)) >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0**-53


def _normal(key: int, hours: np.ndarray, draw: int, width: int) -> np.ndarray:
    """Standard normals by Box-Muller from two draws of uniforms."""
    u1, u2 = _uniform(key, hours, draw, width), _uniform(key, hours, draw + 1, width)
    radius: np.ndarray = np.log(u1, out=u1)  # in place, as sqrt(-2 ln u1) * cos(2 pi u2) in one expression gives
    radius *= -2.0
    np.sqrt(radius, out=radius)
    u2 *= 2 * math.pi
    radius *= np.cos(u2, out=u2)
    return radius


def symbol_key(symbol: str, seed: int) -> int:
    """The number every random draw of a symbol starts from."""
    return int(_mix(np.array([(seed << 32) ^ zlib.crc32(symbol.encode())], dtype=np.uint64))[0])


def anchors(key: int, hours: np.ndarray, typical: float) -> np.ndarray:
    """Prices at the start of `hours`: slow swings with the symbol's phases and hourly noise around `typical`."""
    phases = _uniform(key, np.zeros(1, np.int64), 15, len(_SWINGS))[0] * 2 * math.pi
    level = sum(a * np.sin(2 * math.pi * hours / p + ph) for (p, a), ph in zip(_SWINGS, phases, strict=True))
    price = typical * np.exp(level + _HOURLY_NOISE * _normal(key, hours, 0, 1)[:, 0])
    step = np.maximum(1e-8, 10.0 ** (np.floor(np.log10(price)) - 4))
    prices: np.ndarray = np.maximum(step, np.round(price / step) * step)
    return prices


def hours_bars(symbol: str, seed: int, first: int, count: int, listed: Listed) -> Bars:
    """The one-minute candles of `count` hours from hour `first` (ms // HOUR_MS), each from its anchor to the
    next hour's: any hour comes out the same whichever block it is made in."""
    key = symbol_key(symbol, seed)
    hours = np.arange(first, first + count, dtype=np.int64)
    ends = anchors(key, np.arange(first, first + count + 1, dtype=np.int64), listed.price)
    start, end = ends[:-1, None], ends[1:, None]
    sigma = _MINUTE_SIGMA * np.exp(0.5 * _normal(key, hours, 2, 1))  # calm and busy hours
    rets = _normal(key, hours, 4, 60) * sigma
    rets += (np.log(end / start) - rets.sum(axis=1, keepdims=True)) / 60
    close = start * np.exp(np.cumsum(rets, axis=1))
    close[:, -1] = end[:, 0]
    open_ = np.concatenate([start, close[:, :-1]], axis=1)
    high = np.maximum(open_, close) * (1 + np.abs(_normal(key, hours, 6, 60)) * sigma * 0.6)
    low = np.minimum(open_, close) * (1 - np.abs(_normal(key, hours, 8, 60)) * sigma * 0.6)
    step = price_step(listed.price)
    open_, high, low, close = (np.maximum(step, np.round(x / step) * step) for x in (open_, high, low, close))
    lognormal = np.exp(0.5 * _normal(key, hours, 10, 60))
    volume = np.round(listed.volume * lognormal * (1 + 4 * np.abs(rets) / sigma), 8)
    trades = np.maximum(1, (volume / listed.volume * 300 * (0.7 + 0.6 * _uniform(key, hours, 12, 60)))).astype(np.int64)
    taker = 0.35 + 0.3 * _uniform(key, hours, 13, 60)
    mid = (open_ + close) / 2
    opens = (hours[:, None] * HOUR_MS + np.arange(60, dtype=np.int64)[None, :] * MINUTE_MS).ravel()
    columns = (open_, high, low, close, volume, volume * mid, trades, volume * taker, volume * taker * mid)
    return Bars(MINUTE_MS, opens, *(c.ravel() for c in columns))


@dataclass
class WideMarket:
    """Symbols listed at given times, generated an hour at a time; a clock like `Market`'s; symbols can be
    halted (status BREAK, no pushes) and listed while it runs."""

    listed: dict[str, Listed]
    listed_at: dict[str, int]
    """When each symbol's trading began (ms): it has no candle before."""
    start_ms: int
    seed: int = 0
    speed: float = 1.0
    halted: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Symbols no longer trading (status BREAK), with base and quote asset."""
    halted_at: dict[str, int] = field(default_factory=dict)
    """When each halted symbol stopped trading (ms): it has no candle opening after."""
    _wall0: float = field(default_factory=time.monotonic)
    _hours: OrderedDict[tuple[str, int], Bars] = field(default_factory=OrderedDict)
    _gone: dict[str, Listed] = field(default_factory=dict)

    @property
    def listing(self) -> dict[str, tuple[str, str]]:
        """Every symbol trading, with its base and quote asset."""
        return {s: (x.base, x.quote) for s, x in self.listed.items()}

    def clock_ms(self) -> int:
        """Market time now, in ms."""
        return self.start_ms + int((time.monotonic() - self._wall0) * 1000 * self.speed)

    def symbols(self) -> list[str]:
        """Symbols trading, sorted."""
        return sorted(self.listed)

    def lists(self, symbol: str) -> bool:
        """True when the symbol trades here."""
        return symbol in self.listed

    def supports(self, interval: Interval) -> bool:
        """Every fixed interval from one minute to one week."""
        return not interval.is_calendar and interval.nominal_ms >= MINUTE_MS

    def halt(self, symbol: str) -> None:
        """Stop trading a symbol: exchangeInfo shows it as BREAK, its streams fall silent."""
        listed = self.listed.pop(symbol)
        self.halted[symbol] = (listed.base, listed.quote)
        self.halted_at[symbol] = self.clock_ms()
        self._gone[symbol] = listed

    def list_new(self, symbol: str, listed: Listed) -> None:
        """Start trading a symbol now: its first candle is the one forming."""
        self.halted.pop(symbol, None)
        self.halted_at.pop(symbol, None)
        self.listed[symbol] = listed
        self.listed_at[symbol] = MINUTE_MS * (self.clock_ms() // MINUTE_MS)

    def new_symbol(self, rng: random.Random) -> tuple[str, Listed]:
        """A made-up symbol not listed before, for `list_new`."""
        while True:
            symbol, listed = made_up_symbol(rng)
            if symbol not in self.listed and symbol not in self.halted and symbol not in self.listed_at:
                return symbol, listed

    def window(self, symbol: str, start: int, end: int) -> Bars:
        """The symbol's one-minute candles opening in [start, end], from the hours that hold them."""
        begin = max(start, self.listed_at.get(symbol, 0))
        end = min(end, self.halted_at.get(symbol, end))
        if begin > end:
            return EMPTY
        first, last = begin // HOUR_MS, end // HOUR_MS
        if last - first >= _BLOCK:  # a long history: made in one go, not kept
            whole = hours_bars(symbol, self.seed, first, last - first + 1, self._listed(symbol))
        else:
            hours = [self._hour(symbol, h) for h in range(first, last + 1)]
            whole = hours[0] if len(hours) == 1 else concat(hours)
        lo = int(np.searchsorted(whole.open_time, begin, "left"))
        hi = int(np.searchsorted(whole.open_time, end, "right"))
        return whole if (lo, hi) == (0, len(whole)) else whole.slice(lo, hi)

    def _listed(self, symbol: str) -> Listed:
        return self.listed.get(symbol) or self._gone[symbol]

    def _hour(self, symbol: str, hour: int) -> Bars:
        key = (symbol, hour)
        bars = self._hours.pop(key, None)
        if bars is None:
            bars = hours_bars(symbol, self.seed, hour, 1, self._listed(symbol))
            if len(self._hours) >= _CACHED_HOURS:
                self._hours.popitem(last=False)
        self._hours[key] = bars
        return bars

    def candle_at(self, key: SeriesKey, open_time: int, now: int) -> Candle | None:
        """The candle opening at `open_time` as it stands at market time `now` (None if it has no data yet)."""
        b = self.window(key.symbol, open_time, min(now, key.interval.close_time(open_time)))
        return candle_in(b, key.interval, open_time, now, lambda i: forming_in(b, i, now)) if len(b) else None

    def candles(self, key: SeriesKey, start: int, end: int, now: int, limit: int, newest: bool) -> list[Candle]:
        """Candles opening in [start, end] that have begun by `now`; the last may be forming (Binance's klines)."""
        iv, step = key.interval, key.interval.nominal_ms
        first = iv.open_time(max(start, self.listed_at.get(key.symbol, 0)))
        last = iv.open_time(min(end, now))
        if last < first:
            return []
        if newest:
            first = max(first, last - (limit - 1) * step)
        else:
            last = min(last, first + (limit - 1) * step)
        b = self.window(key.symbol, first, min(now, iv.close_time(last)))
        opens, out, i = range(first, last + 1, step), [], 0
        while i < len(opens):
            n, whole = whole_blocks(b, iv, opens[i:], now)
            if n:
                out += whole
                i += n
                continue
            c = candle_in(b, iv, opens[i], now, lambda j: forming_in(b, j, now))  # forming, or after a gap
            if c is not None:
                out.append(c)
            i += 1
        return out

    def ticker(self, symbol: str, now: int) -> TickerEvent | None:
        """The 24 h rolling window ending at `now`."""
        b = self.window(symbol, now - 86_400_000, now)
        if not len(b):
            return None
        last = forming_in(b, len(b) - 1, now)
        whole = aggregate_bars(b, 0, len(b) - 1, 0, 0) if len(b) > 1 else None
        h = max(last.high, whole.high) if whole else last.high
        low = min(last.low, whole.low) if whole else last.low
        v = last.volume + (whole.volume if whole else 0.0)
        q = last.quote_volume + (whole.quote_volume if whole else 0.0)
        return TickerEvent(symbol, last.close, float(b.open[0]), h, low, v, q, now)


def concat(parts: list[Bars]) -> Bars:
    """Consecutive candles as one."""
    first = parts[0]
    return Bars(first.step, **{f: np.concatenate([getattr(p, f) for p in parts]) for f in FIELDS})
