"""Kline Parquet files (as `tuichart export --format parquet` writes them) read back as Binance's text rows."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from tuichart.errors import BadInput

_TIME = "epoch_ms(CAST({c} AS TIMESTAMP))"
_TEXT = "CAST(CAST({c} AS DECIMAL(38,8)) AS VARCHAR)"  # decimal or double columns: Binance's 8 places
_ROW: dict[str, str] = {
    "open_time": _TIME,
    "open": _TEXT,
    "high": _TEXT,
    "low": _TEXT,
    "close": _TEXT,
    "volume": _TEXT,
    "close_time": _TIME,
    "quote_volume": _TEXT,
    "trades": "CAST({c} AS BIGINT)",
    "taker_buy_volume": _TEXT,
    "taker_buy_quote_volume": _TEXT,
}


@contextmanager
def _reading(path: Path) -> Iterator[tuple[duckdb.DuckDBPyConnection, set[str]]]:
    with duckdb.connect(":memory:") as conn:
        try:
            described = conn.execute("DESCRIBE SELECT * FROM read_parquet(?)", [str(path)]).fetchall()
            yield conn, {str(r[0]) for r in described}
        except duckdb.Error as exc:
            raise BadInput(f"{path}: not a readable Parquet file ({str(exc).splitlines()[0][:120]})") from None


def parquet_series(path: Path) -> set[tuple[str, str]]:
    """The (symbol, interval) pairs a Parquet file's `symbol` and `interval` columns name; empty without them."""
    with _reading(path) as (conn, columns):
        if not {"symbol", "interval"} <= columns:
            return set()
        rows = conn.execute('SELECT DISTINCT symbol, "interval" FROM read_parquet(?)', [str(path)]).fetchall()
    return {(str(s), str(i)) for s, i in rows}


def read_kline_parquet(path: Path) -> list[list[object]]:
    """A Parquet file's klines as 12-column rows (ms times, 8-place text, 'ignore'), oldest first."""
    with _reading(path) as (conn, columns):
        missing = [c for c in _ROW if c not in columns]
        if missing:
            raise BadInput(f"{path}: not a kline Parquet file (no column {missing[0]})")
        select = ", ".join(sql.format(c=c) for c, sql in _ROW.items())
        rows = conn.execute(f"SELECT {select}, '0' FROM read_parquet(?) ORDER BY 1", [str(path)]).fetchall()
    return [list(r) for r in rows]
