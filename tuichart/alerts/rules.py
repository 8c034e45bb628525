"""Alert rules as the config file's `[[alerts]]` tables hold them: validated, with a canonical summary."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tuichart.alerts.condition import Compare, Condition, parse_condition
from tuichart.alerts.duration import format_duration, parse_duration
from tuichart.config_check import convert
from tuichart.config_schema import AlertTable
from tuichart.domain import Interval, SeriesKey, normalize_symbol
from tuichart.errors import BadInput

ALL_SYMBOLS = "*"
"""A rule's symbol meaning every symbol of the watchlist (app) or every recorded symbol (record)."""
EVALUATE_ON = ("close", "tick")
MAX_WINDOW_CANDLES = 1000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


@dataclass(frozen=True, slots=True)
class AlertRule:
    """One rule: a condition on one symbol (or `*`) at one interval, with a cooldown in ms."""

    id: str
    symbol: str
    interval: Interval
    when: str
    """The condition as the user wrote it (shown in fired alerts)."""
    condition: Condition
    cooldown_ms: int
    on: str = "close"
    """`close`: closed candles only; `tick`: every kline push, the forming candle included."""

    @classmethod
    def make(
        cls,
        rule_id: str,
        symbol: str,
        interval: str,
        when: str,
        *,
        cooldown: str | None = None,
        on: str = "close",
    ) -> AlertRule:
        """A validated rule from its text fields; the cooldown defaults to one candle of the interval."""
        if not _ID.match(rule_id):
            raise BadInput(f"invalid alert id {rule_id!r}: letters, digits, '.', '_' or '-', e.g. btc-100k")
        iv = Interval.parse(interval)
        sym = ALL_SYMBOLS if symbol.strip() == ALL_SYMBOLS else normalize_symbol(symbol)
        condition = parse_condition(when)
        if condition.window_ms:
            step = iv.nominal_ms
            n = condition.window_ms // step
            if condition.window_ms % step or not 1 <= n <= MAX_WINDOW_CANDLES:
                raise BadInput(
                    f"in {when!r}: the window must be 1 to {MAX_WINDOW_CANDLES} candles of {iv.code} "
                    f"(a whole multiple of {format_duration(step)})"
                )
        cooldown_ms = iv.nominal_ms if cooldown is None else parse_duration(cooldown)
        if on not in EVALUATE_ON:
            raise BadInput(f"invalid on = {on!r}: close (closed candles only) or tick (forming candles too)")
        return cls(rule_id, sym, iv, when.strip(), condition, cooldown_ms, on)

    def to_table(self) -> dict[str, str]:
        """The `[[alerts]]` table that reads back as this rule."""
        return {
            "id": self.id,
            "symbol": self.symbol,
            "interval": self.interval.code,
            "when": self.when,
            "cooldown": format_duration(self.cooldown_ms),
            "on": self.on,
        }

    def __str__(self) -> str:
        """The canonical summary: `BTCUSDT 1h: close crosses above 100000 (cooldown 1h, on close)`."""
        cooldown = format_duration(self.cooldown_ms)
        return f"{self.symbol} {self.interval.code}: {self.condition} (cooldown {cooldown}, on {self.on})"


def rules_from_config(tables: object) -> list[AlertRule]:
    """The rules of the config's `[[alerts]]` array; a bad one is a BadInput naming the rule."""
    return [] if tables is None else rules_from_tables(convert(tables, list[AlertTable], ("alerts",)))


def rules_from_tables(tables: Sequence[AlertTable]) -> list[AlertRule]:
    """The rules of checked `[[alerts]]` tables; a bad one is a BadInput naming the rule."""
    rules: list[AlertRule] = []
    for n, t in enumerate(tables, 1):
        name = f"alert {t.id!r}" if t.id else f"alert #{n}"
        try:
            rule = AlertRule.make(t.id, t.symbol, t.interval, t.when, cooldown=t.cooldown, on=t.on)
        except BadInput as exc:
            raise BadInput(f"{name}: {exc}") from None
        if any(r.id == rule.id for r in rules):
            raise BadInput(f"{name}: the id is used twice; ids must be unique")
        rules.append(rule)
    return rules


def next_rule_id(taken: Iterable[str]) -> str:
    """The first free id of the form a1, a2, ..."""
    used = set(taken)
    n = 1
    while f"a{n}" in used:
        n += 1
    return f"a{n}"


def rule_symbols(rule: AlertRule, watchlist: Sequence[str]) -> list[str]:
    """The symbols a rule applies to: its own, or the watchlist's for `*`."""
    return list(dict.fromkeys(watchlist)) if rule.symbol == ALL_SYMBOLS else [rule.symbol]


def rule_keys(rules: Iterable[AlertRule], watchlist: Sequence[str]) -> set[SeriesKey]:
    """The series the rules are evaluated on (what must be streamed for them)."""
    return {SeriesKey(s, r.interval) for r in rules for s in rule_symbols(r, watchlist)}


def level_lines(rules: Iterable[AlertRule], symbol: str) -> dict[str, tuple[float, ...]]:
    """Alert levels to draw for a symbol: the value's column (close, rsi, ...) -> the numbers rules compare it to."""
    out: dict[str, set[float]] = {}
    for rule in rules:
        c = rule.condition
        if rule.symbol in (symbol, ALL_SYMBOLS) and isinstance(c, Compare) and isinstance(c.right, float):
            out.setdefault(c.left, set()).add(c.right)
    return {column: tuple(sorted(levels)) for column, levels in out.items()}
