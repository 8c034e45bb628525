"""SELECTs for exports: one series (optionally with indicators) over an optional time range."""

from __future__ import annotations

from collections.abc import Sequence

from tuichart.domain import SeriesKey
from tuichart.store.schema import DECIMAL_COLUMNS, INDICATOR_COLUMNS
from tuichart.store.where import series_where


def export_select(
    key: SeriesKey, since: int | None, until: int | None, *, indicators: Sequence[str] = (), year: bool = False
) -> tuple[str, list[object]]:
    """SQL and parameters selecting a series' rows with UTC timestamps, oldest first."""
    cols = (
        'k.symbol, k."interval", k.open_time, k.open, k.high, k.low, k.close, k.volume, k.close_time, '
        "k.quote_volume, k.trades, k.taker_buy_volume, k.taker_buy_quote_volume"
    )
    join = ""
    if indicators:
        unknown = set(indicators) - set(INDICATOR_COLUMNS)
        assert not unknown, f"not stored indicator columns: {unknown}"
        cols += ", " + ", ".join(f"i.{c}" for c in indicators)
        join = (
            ' LEFT JOIN indicators i ON i.symbol = k.symbol AND i."interval" = k."interval"'
            " AND i.open_time = k.open_time"
        )
    if year:
        cols += ', year(k.open_time) AS "year"'
    where, params = series_where(key, since, until, table="k")
    return f"SELECT {cols} FROM klines k{join} WHERE {where} ORDER BY k.open_time", params


_CSV_TEXT = "CAST(CAST(k.{c} AS DECIMAL(38,8)) AS VARCHAR) AS {c}"  # 8 places, digit for digit


def binance_csv_select(
    key: SeriesKey, since: int | None, until: int | None, *, indicators: Sequence[str] = ()
) -> tuple[str, list[object]]:
    """SQL selecting a series in Binance's 12-column kline layout (ms times, exact 8-place text), then
    `indicators`."""
    sql, params = export_select(key, since, until, indicators=indicators)
    text = {c: _CSV_TEXT.format(c=c) for c in DECIMAL_COLUMNS}
    cols = (
        "epoch_ms(k.open_time) AS open_time, {open}, {high}, {low}, {close}, {volume}, "
        "epoch_ms(k.close_time) AS close_time, {quote_volume}, k.trades, {taker_buy_volume}, "
        "{taker_buy_quote_volume}, 0 AS ignore"
    ).format_map(text)
    cols += "".join(f", k.{c}" for c in indicators)
    return f"SELECT {cols} FROM ({sql}) k ORDER BY k.open_time", params
