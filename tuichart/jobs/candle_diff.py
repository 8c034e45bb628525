"""Stored candles against the exchange's, exactly: rows of integer units, and runs of open times per finding."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from tuichart.decimals import units8_of
from tuichart.domain import CANDLE_FIELDS, DECIMAL_FIELDS, Candle, Interval, SeriesKey

Values = tuple[object, ...]
"""A candle's fields after its open time (VALUE_FIELDS): ms times and trades as integers, prices and volumes as the
decimal text they were written in (or a number where there was none; None for NULL)."""
Row = tuple[int, Values]
"""A candle as its open time (ms) and its values."""

VALUE_FIELDS = CANDLE_FIELDS[1:]
_DECIMAL = tuple(name in DECIMAL_FIELDS for name in VALUE_FIELDS)


def exchange_row(c: Candle) -> Row:
    """The row of a candle the exchange sent: its decimal text when it has it, else its numbers."""
    if c.exact is None:
        return c.open_time, tuple(getattr(c, name) for name in VALUE_FIELDS)
    o, h, low, close, v, q, tv, tq = c.exact
    return c.open_time, (o, h, low, close, v, c.close_time, q, c.trades, tv, tq)


def stored_row(open_time: int, values: Sequence[object]) -> Row:
    """The row of a candle as the store returns it: ms times and trades as integers, decimals as their text."""
    return open_time, tuple(values)


def units(value: object) -> int | None:
    """Integer units of 1e-8 of decimal text or a number; None for anything else (NULL, NaN, infinity)."""
    if not isinstance(value, str | float | int) or isinstance(value, bool):
        return None
    try:
        return units8_of(value)
    except (ValueError, OverflowError):  # NaN or infinity in a store from before DECIMAL columns
        return None


def _same(a: object, b: object, decimal: bool) -> bool:
    """Equal values: the same text or number, or for prices and volumes the same units of 1e-8 however written."""
    if a == b and a is not None:
        return True
    if not decimal:
        return False
    ua = units(a)
    return ua is not None and ua == units(b)


def differing_fields(stored: Values, exchange: Values) -> tuple[str, ...]:
    """Names of the fields in which two candles of the same open time differ."""
    return tuple(
        name
        for name, a, b, decimal in zip(VALUE_FIELDS, stored, exchange, _DECIMAL, strict=True)
        if not _same(a, b, decimal)
    )


@dataclass(frozen=True, slots=True)
class Run:
    """Consecutive open times `first` .. `last` of one finding, `count` candles, and the fields that differ."""

    first: int
    last: int
    count: int
    fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class WindowDiff:
    """What one stretch of open times holds: open times per finding, each sorted."""

    checked: int
    """Candles the exchange has in the stretch, each compared with the store."""
    missing: list[int]
    duplicated: list[int]
    """One entry per extra copy of a stored open time (the store's key rules them out; counted to prove it)."""
    differing: list[tuple[int, tuple[str, ...]]]
    extra: list[int]
    """Stored open times the exchange has no candle for."""
    exchange_gaps: list[Run]
    """Runs of open times on the interval's grid that the exchange has no candle for."""


def compare_window(
    interval: Interval, first: int, last: int, stored: Sequence[Row], exchange: Sequence[Row]
) -> WindowDiff:
    """Compare the stored and the exchange's rows of the stretch of grid open times `first` .. `last`."""
    theirs = dict(exchange)
    ours = dict(stored)
    copies = Counter(t for t, _ in stored)
    missing = sorted(t for t in theirs if t not in ours)
    extra = sorted(t for t in ours if t not in theirs)
    differing = []
    for t in sorted(t for t in ours if t in theirs):
        fields = differing_fields(ours[t], theirs[t])
        if fields:
            differing.append((t, fields))
    duplicated = sorted(t for t, n in copies.items() for _ in range(n - 1))
    gaps = uncovered(interval, first, last, sorted(theirs))
    return WindowDiff(len(theirs), missing, duplicated, differing, extra, gaps)


def uncovered(interval: Interval, first: int, last: int, opens: Sequence[int]) -> list[Run]:
    """Runs of grid open times from `first` to `last` that none of the candles opening at `opens` (sorted) is."""
    out: list[Run] = []
    expected = first
    for t in [*opens, interval.next_open(last)]:  # the open after `last` closes a trailing run
        slot = interval.open_time(t)
        if slot > expected:
            end = interval.open_time(slot - 1)
            out.append(Run(expected, end, count_slots(interval, expected, end)))
        expected = max(expected, interval.next_open(slot))
    return out


def count_slots(interval: Interval, first: int, last: int) -> int:
    """Grid open times from `first` to `last` inclusive (both on the grid)."""
    if last < first:
        return 0
    if not interval.is_calendar:
        return (last - first) // interval.nominal_ms + 1
    n, t = 1, first
    while (t := interval.next_open(t)) <= last:
        n += 1
    return n


@dataclass(slots=True)
class Runs:
    """Open times of one finding, added in order, merged into runs of consecutive candles."""

    interval: Interval
    runs: list[Run] = field(default_factory=list)

    def add_run(self, run: Run) -> None:
        """Add a run that starts after every open time added before, joining the last run when they touch."""
        if self.runs and self.interval.next_open(self.runs[-1].last) == run.first:
            last = self.runs[-1]
            self.runs[-1] = Run(last.first, run.last, last.count + run.count, last.fields)
        else:
            self.runs.append(run)

    def add(self, open_time: int, fields: tuple[str, ...] = ()) -> None:
        """Add an open time later than every one added before (the same one again extends its run's count)."""
        if self.runs:
            run = self.runs[-1]
            if open_time in (run.last, self.interval.next_open(run.last)):
                merged = run.fields + tuple(f for f in fields if f not in run.fields)
                self.runs[-1] = Run(run.first, open_time, run.count + 1, merged)
                return
        self.runs.append(Run(open_time, open_time, 1, fields))

    @property
    def total(self) -> int:
        """Candles in every run."""
        return sum(r.count for r in self.runs)


@dataclass(slots=True)
class SeriesCheck:
    """The comparison of one series over open times `first` .. `last`, built window by window."""

    key: SeriesKey
    first: int
    last: int
    checked: int = 0
    missing: Runs = field(init=False)
    duplicated: Runs = field(init=False)
    differing: Runs = field(init=False)
    extra: Runs = field(init=False)
    exchange_gaps: Runs = field(init=False)

    def __post_init__(self) -> None:
        for name in ("missing", "duplicated", "differing", "extra", "exchange_gaps"):
            setattr(self, name, Runs(self.key.interval))

    def add(self, diff: WindowDiff) -> None:
        """Take in the next window's findings."""
        self.checked += diff.checked
        for t in diff.missing:
            self.missing.add(t)
        for t in diff.duplicated:
            self.duplicated.add(t)
        for t, fields in diff.differing:
            self.differing.add(t, fields)
        for t in diff.extra:
            self.extra.add(t)
        for run in diff.exchange_gaps:
            self.exchange_gaps.add_run(run)

    @property
    def matches(self) -> bool:
        """True when the store holds exactly the exchange's candles: none missing, duplicated, differing or extra."""
        return not (self.missing.runs or self.duplicated.runs or self.differing.runs or self.extra.runs)
