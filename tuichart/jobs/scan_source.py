"""What a scan reads: each symbol's newest stored candles of one interval, plus its forming candle when known."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tuichart.domain import Candle, Interval
from tuichart.jobs.scan import DAY_MS, HISTORY, SCAN_FIELDS
from tuichart.store import Columns, Store
from tuichart.store.columns import INT_FIELDS
from tuichart.store.queries import newest_of_interval

MAX_READ = 1441
"""At most a day of 1m candles per symbol (a day of 1s candles would be 86,400: its change is left out)."""


def quoted(symbol: str, quotes: Sequence[str]) -> bool:
    """True when `symbol` is quoted in one of `quotes` (USDT: BTCUSDT yes, USDT alone no)."""
    return any(symbol.endswith(q) and len(symbol) > len(q) for q in quotes)


def stored_market(store: Store, interval: Interval, quotes: Sequence[str]) -> dict[str, Columns]:
    """About the newest HISTORY stored candles (SCAN_FIELDS) of every symbol quoted in `quotes` at `interval`, by
    symbol (sorted), read in one query; empty when none is stored."""
    newest = {
        s.key.symbol: s.last_open
        for s in sorted(store.series(), key=lambda s: s.key.symbol)
        if s.key.interval is interval and quoted(s.key.symbol, quotes)
    }
    return newest_of_interval(store, interval, candles_read(interval), newest, SCAN_FIELDS)


def candles_read(interval: Interval) -> int:
    """Candles read per symbol: HISTORY, or a day's and one more when a day is longer (the 24 h change at 1m)."""
    day = DAY_MS // interval.nominal_ms + 1
    return HISTORY if day <= HISTORY else min(day, MAX_READ)


def with_forming(series: Mapping[str, Columns], forming: Mapping[str, Candle]) -> dict[str, Columns]:
    """The series with each symbol's forming candle after its stored ones (when it is newer than them)."""
    out = dict(series)
    for symbol, candle in forming.items():
        columns = out.get(symbol)
        if columns is None or not len(columns["open_time"]) or int(columns["open_time"][-1]) >= candle.open_time:
            continue
        out[symbol] = {name: np.append(values, _value(candle, name)) for name, values in columns.items()}
    return out


def _value(candle: Candle, name: str) -> np.ndarray:
    return np.asarray([getattr(candle, name)], np.int64 if name in INT_FIELDS else np.float64)
