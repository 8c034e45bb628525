"""A market scan: per symbol of one interval, the last price, its 24 h change, volume against its average and the
stored indicators as TA-Lib computes them; filtered by an alert condition and sorted by any column."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields

import numpy as np

from tuichart.alerts.condition import COLUMNS, Compare, Condition, Point, fires
from tuichart.domain import Candle, Interval
from tuichart.errors import BadInput
from tuichart.indicators import DEFAULT_STUDIES
from tuichart.indicators.batch import compute_columns
from tuichart.store import Columns

HISTORY = 500
"""Candles read per symbol: TA-Lib's smoothed studies (EMA, RSI, MACD) forget older ones to far below 1e-9."""
VOLUME_AVERAGE = 20
DAY_MS = 86_400_000
SCAN_FIELDS = ("open_time", "open", "high", "low", "close", "volume")
"""The candle fields a scan reads: the studies' inputs, the 24 h change's times; conditions read closes only."""
_NEEDS = {"rsi": 15, "bb": 20, "macd": 34, "stoch": 16}
"""Candles each study needs before its first value."""
_ROW_STUDIES = tuple(s for s in DEFAULT_STUDIES if s.kind in _NEEDS)


@dataclass(frozen=True, slots=True)
class ScanRow:
    """One symbol's line of the scan (NaN where its history is too short, `note` says why)."""

    symbol: str
    last: float
    change: float
    """Percent change of the close over 24 h (over the last candle at 1d and longer)."""
    volume: float
    """The last candle's volume over the average of the 20 before it."""
    rsi: float
    bb: float
    """Bollinger %b: 0 at the lower band, 1 at the upper."""
    macd: float
    """The MACD histogram."""
    stoch: float
    """Stochastic %K."""
    candles: int
    note: str = ""


SORTABLE = tuple(f.name for f in fields(ScanRow) if f.name not in ("note",))
HEADERS = {"symbol": "symbol", "last": "last", "change": "24h %", "volume": "vol/avg", "rsi": "RSI", "bb": "%b",
           "macd": "MACD hist", "stoch": "%K", "candles": "candles", "note": "note"}  # fmt: skip
"""Each column's title, in the order tables show them."""


def row_fields(row: ScanRow) -> dict[str, object]:
    """A row's values by column, in the order of HEADERS."""
    return {name: getattr(row, name) for name in HEADERS}


def cell(name: str, value: object) -> str:
    """A value as tables show it (`-` for none)."""
    if not isinstance(value, float):
        return str(value)
    if math.isnan(value):
        return "-"
    if name == "last":
        return np.format_float_positional(value, precision=8, trim="-")
    if name == "change":
        return f"{value:+.2f}"
    return f"{value:.2f}" if name in ("volume", "rsi", "bb", "stoch") else f"{value:.6g}"


def scan(series: Mapping[str, Columns], interval: Interval, condition: Condition | None = None) -> list[ScanRow]:
    """A row per symbol with any candle (oldest first in `series`), keeping those `condition` holds for now."""
    rows = []
    for symbol, columns in series.items():
        if not len(columns["close"]):
            continue
        values = _indicators(columns, condition is not None)
        if condition is not None and not _holds(condition, columns, values, interval):
            continue
        rows.append(_row(symbol, columns, values, interval))
    return rows


def sort_rows(rows: list[ScanRow], key: str) -> list[ScanRow]:
    """Rows by a column (`-name` for descending); NaN last either way."""
    descending = key.startswith("-")
    name = key.lstrip("-+")
    if name not in SORTABLE:
        raise BadInput(f"--sort {key!r}: sort by one of {', '.join(SORTABLE)} (with - for descending)")
    if name == "symbol":
        return sorted(rows, key=lambda r: r.symbol, reverse=descending)

    def value(row: ScanRow) -> tuple[bool, float]:
        x = float(getattr(row, name))
        return (math.isnan(x), -x if descending else x)

    return sorted(rows, key=value)


def _indicators(columns: Columns, every: bool) -> dict[str, np.ndarray]:
    """The columns a row shows, or `every` study's (a condition may name any)."""
    arrays = {name: columns[name] for name in ("open", "high", "low", "close", "volume")}
    studies = DEFAULT_STUDIES if every else _ROW_STUDIES
    return dict(zip((c for s in studies for c in s.columns), compute_columns(arrays, studies), strict=True))


def _row(symbol: str, columns: Columns, values: Mapping[str, np.ndarray], interval: Interval) -> ScanRow:
    close, volume = columns["close"], columns["volume"]
    n = len(close)
    upper, lower = values["bb_upper"][-1], values["bb_lower"][-1]
    width = upper - lower
    before = volume[-VOLUME_AVERAGE - 1 : -1]
    average = float(before.mean()) if len(before) == VOLUME_AVERAGE else math.nan
    short = [f"{name.upper()} needs {k}" for name, k in _NEEDS.items() if n < k]
    return ScanRow(
        symbol,
        float(close[-1]),
        _change(columns, interval),
        float(volume[-1] / average) if average > 0 else math.nan,
        float(values["rsi"][-1]),
        float((close[-1] - lower) / width) if width > 0 else math.nan,
        float(values["macd_histogram"][-1]),
        float(values["stoch_k"][-1]),
        n,
        f"only {n} candle{'s' if n != 1 else ''}: {', '.join(short)}" if short else "",
    )


def _change(columns: Columns, interval: Interval) -> float:
    """Percent change of the last close over 24 h, or over the last candle at 1d and longer."""
    opens, close = columns["open_time"], columns["close"]
    span = max(DAY_MS, interval.nominal_ms)
    i = int(np.searchsorted(opens, int(opens[-1]) - span, "right")) - 1
    if i < 0 or opens[i] != int(opens[-1]) - span or close[i] == 0:
        return math.nan
    return float((close[-1] - close[i]) / close[i] * 100.0)


def _holds(condition: Condition, columns: Columns, values: Mapping[str, np.ndarray], interval: Interval) -> bool:
    """Whether the condition holds at the last candle (for `crosses`: whether it crossed on it)."""
    point = _points(columns, values, interval)
    state, _ = condition.observe(point(-1))
    if isinstance(condition, Compare) and condition.op.startswith("crosses"):
        before, _ = condition.observe(point(-2)) if len(columns["close"]) > 1 else (None, 0.0)
        return fires(condition, before, state)
    return state == 1


def _points(columns: Columns, values: Mapping[str, np.ndarray], interval: Interval) -> Callable[[int], Point]:
    """The alert grammar's view of candle `i` (negative from the end), its history made only when asked for."""
    history = _History(columns, interval.nominal_ms)

    def at(i: int) -> Point:
        index = len(columns["close"]) + i
        row = tuple(float(values[c][index]) for c in COLUMNS)
        return Point(history[index], row, history, index, interval.nominal_ms)

    return at


class _History(Sequence[Candle]):
    """Candles of the columns, each made when read (a change condition reads one or two)."""

    def __init__(self, columns: Columns, step_ms: int) -> None:
        self.columns = columns
        self.step_ms = step_ms

    def __len__(self) -> int:
        return len(self.columns["close"])

    def __getitem__(self, i: int) -> Candle:  # type: ignore[override]
        c = self.columns
        opened = int(c["open_time"][i])
        return Candle(  # of SCAN_FIELDS: the close time follows, the fields not read are NaN and 0 trades
            opened, float(c["open"][i]), float(c["high"][i]), float(c["low"][i]), float(c["close"][i]),
            float(c["volume"][i]), opened + self.step_ms - 1, math.nan, 0, math.nan, math.nan,
        )  # fmt: skip
