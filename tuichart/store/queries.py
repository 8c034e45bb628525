"""Questions the batch jobs ask the store beyond loading candles: exact stored digits, missing rows."""

from __future__ import annotations

from tuichart.domain import DECIMAL_FIELDS, SeriesKey
from tuichart.store.store import Store
from tuichart.store.where import series_where

_TEXT_OR_MS = {name: f"CAST({name} AS VARCHAR)" for name in DECIMAL_FIELDS} | {"close_time": "epoch_ms(close_time)"}
_NO_INDICATORS = (
    "FROM klines k ANTI JOIN indicators i "
    'ON i.symbol = k.symbol AND i."interval" = k."interval" AND i.open_time = k.open_time '
)


def stored_text_rows(
    store: Store, key: SeriesKey, start: int, end: int, fields: tuple[str, ...]
) -> list[tuple[object, ...]]:
    """(open time ms, then `fields`) of the candles opening in [start, end), oldest first: prices and volumes as the
    store's exact digits, close_time in ms."""
    columns = ", ".join(_TEXT_OR_MS.get(name, name) for name in fields)
    where, params = series_where(key, start, end - 1)
    return store.query(f"SELECT epoch_ms(open_time), {columns} FROM klines WHERE {where} ORDER BY open_time", params)


def missing_indicator_rows(store: Store, key: SeriesKey, since: int | None, until: int | None) -> int:
    """Stored candles in [since, until] with no indicator row."""
    where, params = series_where(key, since, until, table="k")
    value = store.query(f"SELECT count(*) {_NO_INDICATORS} WHERE {where}", params)[0][0]
    return int(value) if isinstance(value, int) else 0


def first_without_indicators(store: Store, key: SeriesKey) -> int | None:
    """Open time of the oldest stored candle that has no indicator row."""
    where, params = series_where(key, table="k")
    value = store.query(f"SELECT epoch_ms(min(k.open_time)) {_NO_INDICATORS} WHERE {where}", params)[0][0]
    return int(value) if isinstance(value, int) else None
