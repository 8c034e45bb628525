"""The `when` of an alert rule: a small grammar over prices and the stored indicators, and what each form tests.

Every condition turns a point (a candle's close, its indicator values, older closes) into a state; the engine
fires when the state changes the way the condition asks. States are 1/0 (true/false) for `above`, `below`,
`outside bb` and `change`, and the side (+1 above, -1 below) for `crosses`; None keeps the previous state
(a value exactly on the level, or not computed yet).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from tuichart.alerts.duration import format_duration, parse_duration
from tuichart.domain import Candle
from tuichart.errors import BadInput
from tuichart.indicators import DEFAULT_STUDIES

COLUMNS: tuple[str, ...] = tuple(c for s in DEFAULT_STUDIES for c in s.columns)
"""The indicator values a point carries, in order (the `indicators` table's columns)."""
_INDEX = {c: i for i, c in enumerate(COLUMNS)}

ALIASES: dict[str, str] = {
    "price": "close",
    "close": "close",
    **{c: c for c in COLUMNS},
    "signal": "macd_signal",
    "histogram": "macd_histogram",
    "ema12": "ema_12",
    "ema26": "ema_26",
    "%k": "stoch_k",
    "k": "stoch_k",
    "%d": "stoch_d",
    "d": "stoch_d",
}
"""Names a rule may use for a value, and the column each means."""

EXAMPLES = (
    '"price crosses above 100000", "rsi below 30" (or "rsi < 30"), "macd crosses signal", "%k crosses above %d", '
    '"close outside bb", "change beyond 5% in 1h"'
)
_COMPARE = re.compile(r"^(\S+) (crosses above|crosses below|crosses|above|below) (\S+)$")
_CHANGE = re.compile(r"^change (above|below|beyond) ([-+]?[0-9.]+(?:e[-+]?\d+)?) ?% in (\S+)$")
_OUTSIDE = re.compile(r"^(?:close|price) outside (?:bb|bands|bollinger)$")


@dataclass(frozen=True, slots=True)
class Point:
    """What a condition sees: one candle (closed or forming) with its indicator values and the closes before it."""

    candle: Candle
    values: tuple[float, ...]
    history: Sequence[Candle]
    """Closed candles, oldest first; `history[index]` is this candle when it is closed."""
    index: int
    """Position of this candle in `history` (its length for a forming candle)."""
    step_ms: int

    def get(self, name: str) -> float:
        """A value by column name (`close` or an indicator column)."""
        return self.candle.close if name == "close" else self.values[_INDEX[name]]

    def close_before(self, window_ms: int) -> float:
        """The close `window_ms` earlier (NaN when the history does not reach back that far)."""
        i = self.index - window_ms // self.step_ms
        return self.history[i].close if 0 <= i < len(self.history) else math.nan


@dataclass(frozen=True, slots=True)
class Compare:
    """`<value> above|below|crosses above|crosses below|crosses <operand>`."""

    left: str
    op: str
    right: str | float

    window_ms = 0

    @property
    def either_way(self) -> bool:
        """True for `crosses`: a change of side either way fires."""
        return self.op == "crosses"

    def __str__(self) -> str:
        right = self.right if isinstance(self.right, str) else f"{self.right:.12g}"
        return f"{self.left} {self.op} {right}"

    def observe(self, p: Point) -> tuple[int | None, float]:
        """The state at this point and the value tested."""
        x = p.get(self.left)
        y = self.right if isinstance(self.right, float) else p.get(self.right)
        if self.op == "crosses":
            return (1 if x > y else -1 if x < y else None), x  # on the level or NaN: the side is kept
        return int(x > y if self.op.endswith("above") else x < y), x  # NaN compares false


@dataclass(frozen=True, slots=True)
class OutsideBands:
    """`close outside bb`: the close above the upper Bollinger band or below the lower one."""

    either_way = False
    window_ms = 0

    def __str__(self) -> str:
        return "close outside bb"

    def observe(self, p: Point) -> tuple[int | None, float]:
        """The state at this point and the close."""
        close = p.candle.close
        return int(close > p.get("bb_upper") or close < p.get("bb_lower")), close


@dataclass(frozen=True, slots=True)
class Change:
    """`change above|below|beyond P% in WINDOW`: the close's percent change against the close WINDOW earlier."""

    op: str
    percent: float
    window_ms: int

    either_way = False

    def __str__(self) -> str:
        return f"change {self.op} {self.percent:.12g}% in {format_duration(self.window_ms)}"

    def observe(self, p: Point) -> tuple[int | None, float]:
        """The state at this point and the change in percent."""
        ref = p.close_before(self.window_ms)
        if not ref or not math.isfinite(ref):
            return 0, math.nan
        pct = (p.candle.close - ref) / ref * 100.0
        if self.op == "above":
            return int(pct > self.percent), pct
        if self.op == "below":
            return int(pct < self.percent), pct
        return int(abs(pct) >= self.percent), pct


Condition = Compare | OutsideBands | Change


def fires(condition: Condition, before: int | None, now: int | None) -> bool:
    """Whether going from state `before` to `now` is a firing edge (never from an unknown state)."""
    if before is None or now is None or now == before:
        return False
    return condition.either_way or now == 1


def parse_condition(text: str) -> Condition:
    """A condition from its text, case-insensitive and whitespace-tolerant; anything else is a BadInput."""
    norm = " ".join(re.sub(r"\s*([<>])\s*", r" \1 ", text.lower()).split())
    norm = norm.replace(" < ", " below ").replace(" > ", " above ")  # `rsi < 30` reads as `rsi below 30`
    if _OUTSIDE.match(norm):
        return OutsideBands()
    if m := _CHANGE.match(norm):
        percent = _number(m.group(2), text)
        if m.group(1) == "beyond" and percent <= 0:
            raise BadInput(f"in {text!r}: beyond takes a positive percent (the size of the move either way)")
        window = parse_duration(m.group(3))
        if window <= 0:
            raise BadInput(f"in {text!r}: the window must be longer than 0")
        return Change(m.group(1), percent, window)
    if m := _COMPARE.match(norm):
        left = _value(m.group(1), text)
        right = ALIASES.get(m.group(3))
        operand: str | float = right if right is not None else _number(m.group(3), text)
        if operand == left:
            raise BadInput(f"in {text!r}: {left} is compared with itself")
        return Compare(left, m.group(2), operand)
    raise BadInput(f"cannot read the alert condition {text!r}; write for example {EXAMPLES}")


def _value(name: str, text: str) -> str:
    if name not in ALIASES:
        names = ", ".join(dict.fromkeys(ALIASES))
        raise BadInput(f"in {text!r}: unknown value {name!r}; values are {names}")
    return ALIASES[name]


def _number(token: str, text: str) -> float:
    try:
        x = float(token)
    except ValueError:
        names = ", ".join(dict.fromkeys(ALIASES))
        raise BadInput(f"in {text!r}: {token!r} is neither a number nor a value ({names})") from None
    if not math.isfinite(x):
        raise BadInput(f"in {text!r}: {token!r} is not a finite number")
    return x
