"""The SQL that turns a batch of columns into klines or indicators rows, for one series or several."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from tuichart.domain import DECIMAL_FIELDS, SeriesKey
from tuichart.store.columns import TEXT_SUFFIX, Columns
from tuichart.store.schema import DECIMAL_TYPE, INDICATOR_COLUMNS

_TS = "make_timestamp(CAST({c} AS BIGINT) * 1000)"


def _decimal_sql(name: str, batch: Columns) -> str:
    """The DECIMAL(38,8) of a price/volume column: its source's digits where there are any, else its double
    rounded to 8 places (text DuckDB cannot read falls back to the double, which was checked)."""
    value = f"CAST({name} AS {DECIMAL_TYPE})"
    return (
        f"COALESCE(TRY_CAST({name}{TEXT_SUFFIX} AS {DECIMAL_TYPE}), {value})" if name + TEXT_SUFFIX in batch else value
    )


KEY_COLUMNS = ("series_symbol", "series_interval")
"""Beside the rows of several series: each row's symbol and interval (one series' rows take them as parameters)."""


def with_keys(batch: Columns, runs: Sequence[tuple[SeriesKey, int]]) -> Columns:
    """`batch` with each row's series, its rows being `runs` of (series, row count) in order."""
    symbols = np.empty(len(batch["open_time"]), dtype=object)
    intervals = np.empty(len(symbols), dtype=object)
    start = 0
    for key, n in runs:
        symbols[start : start + n] = key.symbol
        intervals[start : start + n] = key.interval.value
        start += n
    return {**batch, KEY_COLUMNS[0]: symbols, KEY_COLUMNS[1]: intervals}


def _key_sql(batch: Columns) -> str:
    return ", ".join(KEY_COLUMNS) if KEY_COLUMNS[0] in batch else "?, ?"


def kline_select(batch: Columns) -> str:
    """The SELECT of klines rows from a batch of candle columns."""
    values = {name: _decimal_sql(name, batch) for name in DECIMAL_FIELDS}
    return (
        f"SELECT {_key_sql(batch)}, "
        + _TS.format(c="open_time")
        + ", {open}, {high}, {low}, {close}, {volume}, ".format_map(values)
        + _TS.format(c="close_time")
        + ", {quote_volume}, trades, {taker_buy_volume}, {taker_buy_quote_volume} FROM batch".format_map(values)
    )


def indicator_select(batch: Columns) -> str:
    """The SELECT of indicators rows from a batch of indicator columns (NaN as NULL)."""
    cols = ", ".join(f"CASE WHEN isnan({c}) THEN NULL ELSE {c} END" for c in INDICATOR_COLUMNS)
    return f"SELECT {_key_sql(batch)}, {_TS.format(c='open_time')}, {cols} FROM batch"
