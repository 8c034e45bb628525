"""Questions the batch jobs ask the store beyond loading candles: exact stored digits, missing rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tuichart.domain import CANDLE_FIELDS, DECIMAL_FIELDS, Interval, SeriesKey
from tuichart.store.columns import INT_FIELDS, Columns
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


def _as_doubles(fields: Sequence[str]) -> str:
    return ", ".join(
        f"epoch_ms(k.{n}) AS {n}" if n in ("open_time", "close_time") else f"k.{n}::DOUBLE AS {n}"
        if n in DECIMAL_FIELDS else f"k.{n}" for n in fields
    )  # fmt: skip


def newest_of_interval(
    store: Store, interval: Interval, last: int, newest: Mapping[str, int], fields: Sequence[str] = CANDLE_FIELDS
) -> dict[str, Columns]:
    """About the `last` candles (oldest first) of each symbol of `newest` (its newest open time, ms) at `interval`,
    in one query, by symbol: those opening no earlier than `last` - 1 intervals before its newest; only `fields`
    (each a cast and a copy: a scan reading 6 of the 11 takes 40 % less)."""
    symbols = list(newest)
    if not symbols:
        return {}
    since = [newest[s] - (last - 1) * interval.nominal_ms for s in symbols]
    sql = (  # a join on each symbol's own start: no window function, no sort beyond the rows kept
        "WITH wanted AS (SELECT unnest(?::VARCHAR[]) AS symbol, unnest(?::BIGINT[]) AS since, "
        f"unnest(range(?)) AS i) SELECT w.i AS i, {_as_doubles(fields)} FROM klines k JOIN wanted w ON "
        'k.symbol = w.symbol AND k.open_time >= make_timestamp(w.since * 1000) WHERE k."interval" = ? '
        "AND k.open_time >= make_timestamp(? * 1000) ORDER BY w.i, k.open_time"  # the earliest: older blocks skipped
    )
    raw = store.query_numpy(sql, [symbols, since, len(symbols), interval.value, min(since)])
    index = np.asarray(raw["i"], np.int64)
    cuts = (np.flatnonzero(np.diff(index)) + 1).tolist()
    columns = {n: np.asarray(raw[n], np.int64 if n in INT_FIELDS else np.float64) for n in fields}
    spans = zip([0, *cuts], [*cuts, len(index)], strict=True)
    return {symbols[int(index[a])]: {n: c[a:b] for n, c in columns.items()} for a, b in spans if b > a}


_WIRE_ROW = (
    "epoch_ms(open_time), CAST(open AS VARCHAR), CAST(high AS VARCHAR), CAST(low AS VARCHAR), CAST(close AS VARCHAR), "
    "CAST(volume AS VARCHAR), epoch_ms(close_time), CAST(quote_volume AS VARCHAR), trades, "
    "CAST(taker_buy_volume AS VARCHAR), CAST(taker_buy_quote_volume AS VARCHAR), '0'"
)


def kline_rows(store: Store, key: SeriesKey, start: int, end: int, limit: int, *, newest: bool) -> list[list[object]]:
    """REST kline rows (Binance's 12 columns, the stored digits exactly) of candles opening in [start, end], oldest
    first: the `limit` newest of them when `newest`, else the oldest."""
    where, params = series_where(key, start, end)
    order = "DESC" if newest else "ASC"
    sql = f"SELECT {_WIRE_ROW} FROM klines WHERE {where} ORDER BY open_time {order} LIMIT {int(limit)}"
    rows = store.query(sql, params)
    out = [list(r) for r in rows]
    return out[::-1] if newest else out
