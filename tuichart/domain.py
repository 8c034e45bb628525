"""Pure market types: intervals with Binance's alignment, candles, series keys and feed events."""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec

from tuichart.errors import BadInput

SECOND_MS = 1_000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
WEEK_MS = 7 * DAY_MS

# The epoch (1970-01-01) was a Thursday; Binance weeks open on Monday 1970-01-05.
_WEEK_ORIGIN_MS = 4 * DAY_MS
# Binance's 3d candles sit on a fixed grid through 2017-11-30 (epoch day 17500), i.e. day 1 mod 3.
_THREE_DAY_ORIGIN_MS = 1 * DAY_MS

_FIXED_MS: dict[str, int] = {
    "1s": SECOND_MS,
    "1m": MINUTE_MS,
    "3m": 3 * MINUTE_MS,
    "5m": 5 * MINUTE_MS,
    "15m": 15 * MINUTE_MS,
    "30m": 30 * MINUTE_MS,
    "1h": HOUR_MS,
    "2h": 2 * HOUR_MS,
    "4h": 4 * HOUR_MS,
    "6h": 6 * HOUR_MS,
    "8h": 8 * HOUR_MS,
    "12h": 12 * HOUR_MS,
    "1d": DAY_MS,
    "3d": 3 * DAY_MS,
    "1w": WEEK_MS,
}


class Interval(enum.Enum):
    """A Binance kline interval; the value is Binance's case-sensitive code (`1m` minute, `1M` month)."""

    S1 = "1s"
    M1 = "1m"
    M3 = "3m"
    M5 = "5m"
    M15 = "15m"
    M30 = "30m"
    H1 = "1h"
    H2 = "2h"
    H4 = "4h"
    H6 = "6h"
    H8 = "8h"
    H12 = "12h"
    D1 = "1d"
    D3 = "3d"
    W1 = "1w"
    MO1 = "1M"

    # Members are singletons: hash by identity, in C, not by name in Python (every series lookup hashes one).
    __hash__ = object.__hash__

    @classmethod
    def parse(cls, text: str) -> Interval:
        """Interval from Binance's code; `1mo` (data.binance.vision's month spelling) means `1M`."""
        if text == "1mo":
            return cls.MO1
        try:
            return cls(text)
        except ValueError:
            hint = ""
            if text.lower() in {"1mon", "1month", "month"}:
                hint = " (months are 1M; minutes are 1m)"
            choices = " ".join(i.value for i in cls)
            raise BadInput(f"unknown interval {text!r}{hint}; choose one of: {choices}") from None

    @property
    def code(self) -> str:
        """Binance's code, as used in stream names and REST parameters."""
        return self.value

    @property
    def is_calendar(self) -> bool:
        """True for the month interval, whose length varies."""
        return self is Interval.MO1

    @property
    def nominal_ms(self) -> int:
        """Length in ms; for 1M the 30-day nominal length, use `next_open` for exact steps."""
        return _FIXED_MS.get(self.value, 30 * DAY_MS)

    def open_time(self, t_ms: int) -> int:
        """Open time (ms) of the candle that contains instant `t_ms`, on Binance's grid."""
        step = _STEP[self]
        if step == 0:
            dt = datetime.fromtimestamp(t_ms // 1000, UTC)
            return int(datetime(dt.year, dt.month, 1, tzinfo=UTC).timestamp()) * 1000
        origin = _ORIGIN[self]
        return (t_ms - origin) // step * step + origin

    def next_open(self, open_ms: int) -> int:
        """Open time of the candle after the one opening at `open_ms`."""
        step = _STEP[self]
        if step == 0:
            dt = datetime.fromtimestamp(open_ms // 1000, UTC)
            year, month = (dt.year + 1, 1) if dt.month == 12 else (dt.year, dt.month + 1)
            return int(datetime(year, month, 1, tzinfo=UTC).timestamp()) * 1000
        return open_ms + step

    def close_time(self, open_ms: int) -> int:
        """Binance's close time: the next open minus one millisecond."""
        return self.next_open(open_ms) - 1


ALL_INTERVALS: tuple[Interval, ...] = tuple(Interval)

# Per member, read on every push (an enum's `.value` is a Python-level property): its length (0: the month) and
# the origin of its grid.
_STEP: dict[Interval, int] = {i: _FIXED_MS.get(i.value, 0) for i in Interval}
_ORIGIN: dict[Interval, int] = {i: 0 for i in Interval}
_ORIGIN.update({Interval.W1: _WEEK_ORIGIN_MS, Interval.D3: _THREE_DAY_ORIGIN_MS})


@dataclass(frozen=True, slots=True)
class SeriesKey:
    """One candle series: an UPPERCASE symbol and an interval."""

    symbol: str
    interval: Interval
    _hash: int = field(init=False, repr=False, compare=False)
    """Computed once: a key is hashed on every push, by every dict of series state."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((self.symbol, self.interval)))

    def __hash__(self) -> int:
        return self._hash

    def __reduce__(self) -> tuple[type[SeriesKey], tuple[str, Interval]]:
        return SeriesKey, (self.symbol, self.interval)  # hashed again where it is loaded: hashes differ by process

    @property
    def stream(self) -> str:
        """Binance's kline stream name (lowercase symbol, case-sensitive interval)."""
        return f"{self.symbol.lower()}@kline_{self.interval.value}"

    def __str__(self) -> str:
        return f"{self.symbol} {self.interval.value}"


class Candle(msgspec.Struct, frozen=True, eq=False, gc=False, repr_omit_defaults=True):
    """One kline in Binance's 12-column layout (times in ms UTC, the 'ignore' column dropped).

    A Struct, not a dataclass: the app builds thousands per history load and a frozen dataclass takes ~8x longer
    to construct. No garbage-collector tracking: a candle holds only numbers and strings, never a cycle.
    """

    open_time: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    close_time: int
    quote_volume: float
    trades: int
    taker_buy_volume: float
    taker_buy_quote_volume: float
    exact: tuple[str, ...] | None = None
    """The DECIMAL_FIELDS as the source wrote them, when it wrote decimal text (a double can't hold a 20-digit
    volume); None for computed candles. The store keeps these digits. Not part of equality."""

    def numbers(self) -> tuple[int | float, ...]:
        """The CANDLE_FIELDS in order: what equality compares, without the decimal text."""
        return (
            self.open_time,
            self.open,
            self.high,
            self.low,
            self.close,
            self.volume,
            self.close_time,
            self.quote_volume,
            self.trades,
            self.taker_buy_volume,
            self.taker_buy_quote_volume,
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Candle):
            return NotImplemented
        return self.numbers() == other.numbers()

    def __hash__(self) -> int:
        return hash(self.numbers())


def revalued(candle: Candle, **changes: float) -> Candle:
    """The candle with some prices or volumes changed; computed values have no source digits, so `exact` goes."""
    return msgspec.structs.replace(candle, exact=None, **changes)


CANDLE_FIELDS: tuple[str, ...] = tuple(f for f in Candle.__struct_fields__ if f != "exact")
DECIMAL_FIELDS: tuple[str, ...] = tuple(f for f in CANDLE_FIELDS if f not in ("open_time", "close_time", "trades"))


@dataclass(frozen=True, slots=True)
class KlineEvent:
    """A kline push: the current candle of a series, final when `closed`."""

    key: SeriesKey
    candle: Candle
    closed: bool
    event_time: int


@dataclass(frozen=True, slots=True)
class TickerEvent:
    """A 24 h rolling-window mini ticker for one symbol."""

    symbol: str
    last: float
    open: float
    high: float
    low: float
    volume: float
    quote_volume: float
    event_time: int

    @property
    def change_pct(self) -> float:
        """Change over the window in percent (0 when the window opened at zero)."""
        return (self.last - self.open) / self.open * 100.0 if self.open else 0.0


class FeedState(enum.Enum):
    """Connection state of the market feed as the user sees it."""

    CONNECTING = "connecting"
    LIVE = "live"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"
    STOPPED = "stopped"


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """A change of the feed's connection state, with the delay before the next try when reconnecting."""

    state: FeedState
    detail: str = ""
    retry_in: float | None = None
    connected: frozenset[SeriesKey] | None = None
    """The series of a connection that just came up, to be filled in from REST (None: all of them when LIVE)."""


@dataclass(frozen=True, slots=True)
class Gap:
    """A run of missing candles in a series: `first_open` .. `last_open` inclusive, `count` candles."""

    key: SeriesKey
    first_open: int
    last_open: int
    count: int


def ms_to_datetime(ms: int) -> datetime:
    """UTC datetime of an epoch-ms instant."""
    return datetime.fromtimestamp(ms / 1000, UTC)


def normalize_symbol(text: str) -> str:
    """UPPERCASE symbol, rejecting characters Binance does not allow."""
    sym = text.strip().upper()
    if not sym or len(sym) > 20 or not all(c.isalnum() or c in "-_." for c in sym):
        raise BadInput(f"invalid symbol {text!r}: use letters and digits, e.g. BTCUSDT")
    return sym


@dataclass(frozen=True, slots=True)
class FiredAlert:
    """One firing of a rule on one series: which rule, which candle, what was seen."""

    rule_id: str
    """The rule's id in the config file."""
    symbol: str
    interval: str
    """Interval code, e.g. `1m`."""
    condition: str
    """The rule's condition as the user wrote it, e.g. `rsi above 70`."""
    open_time: int
    """Open time (ms UTC) of the candle that crossed."""
    closed: bool
    """True when it fired on a closed candle, False on a forming one."""
    price: float
    """The candle's close when it fired."""
    value: float
    """The value tested: the price, the indicator or the change in percent."""
    fired_at: int
    """Wall-clock time (ms UTC) it fired."""
    source: str = "app"
    """What evaluated it: `app` or `record`."""

    @property
    def message(self) -> str:
        """One line for people: `BTCUSDT 1m: rsi above 70 (rsi 71.2, price 64012.5)`."""
        when = ms_to_datetime(self.open_time).strftime("%Y-%m-%d %H:%M")
        state = "closed" if self.closed else "forming"
        return (
            f"{self.symbol} {self.interval}: {self.condition} "
            f"(value {self.value:.10g}, price {self.price:.10g}, {state} candle {when} UTC)"
        )

    def to_json(self) -> dict[str, Any]:
        """The alert as a JSON object (what a command hook reads on stdin), with its message."""
        return {**asdict(self), "message": self.message}


HistoryLoader = Callable[[SeriesKey, int, int], Sequence[Candle]]
"""(key, before open time, how many) -> the closed candles just before that time, oldest first."""
