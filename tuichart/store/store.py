"""The candle store: idempotent upserts, loads as NumPy, candles or Polars, gap listing; calls serialised by a lock."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import numpy as np

from tuichart.domain import CANDLE_FIELDS, Candle, FiredAlert, Gap, Interval, SeriesKey
from tuichart.errors import StoreError
from tuichart.store.columns import INT_FIELDS, Columns, candle_schema, columns_candles, exact_columns
from tuichart.store.connection import StoreConnection
from tuichart.store.db import StoreMode, open_database, remove_created
from tuichart.store.exports import export_select
from tuichart.store.failures import is_disk_full
from tuichart.store.integrity import first_line
from tuichart.store.schema import INDICATOR_COLUMNS
from tuichart.store.upsert_sql import indicator_select, kline_select, with_keys
from tuichart.store.where import series_where

log = logging.getLogger(__name__)

if TYPE_CHECKING:  # Polars is for exports and tools; the app never loads it (~35 MB, 0.2 s)
    import polars as pl

_SELECT_CANDLE = (
    "epoch_ms(open_time) AS open_time, open, high, low, close, volume, epoch_ms(close_time) AS close_time, "
    "quote_volume, trades, taker_buy_volume, taker_buy_quote_volume"
)



@dataclass(frozen=True, slots=True)
class SeriesSummary:
    """What the store holds for one series."""

    key: SeriesKey
    count: int
    first_open: int
    last_open: int


class Store:
    """One DuckDB file of closed candles (or memory only); safe to share between threads."""

    def __init__(
        self,
        conn: duckdb.DuckDBPyConnection,
        mode: StoreMode,
        path: Path | None,
        notice: str | None,
        created: tuple[Path, ...] = (),
        data_dir: Path | None = None,
    ):
        self._db = StoreConnection(conn, mode, path, data_dir)
        self._created = created
        self._spans: dict[SeriesKey, tuple[int, int] | None] = {}
        """(oldest, newest) open time of each series asked about, None when none is stored; kept by upsert."""
        self.mode = mode
        self.path = path
        self.notice = notice

    @classmethod
    def open(cls, data_dir: Path | None, *, read_only: bool = False, fallback: bool = True) -> Store:
        """Open the store in `data_dir` (None: memory only); see `open_database` for the fallbacks."""
        opened = open_database(data_dir, read_only=read_only, fallback=fallback)
        return cls(opened.conn, opened.mode, opened.path, opened.notice, opened.created, data_dir)

    def bound_memory(self) -> None:
        """Cap DuckDB's memory for a long-running writer of small batches (see `StoreConnection.bound_memory`)."""
        self._db.bound_memory()

    def close(self) -> None:
        """Checkpoint and close the file (a failed checkpoint is logged: the journal keeps every commit)."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        """Close; a command that failed leaves no store behind if this open created it and nothing was written."""
        discard = exc_type is not None and bool(self._created) and self._is_empty()
        self.close()
        if discard:
            remove_created(self._created)

    def _is_empty(self) -> bool:
        try:
            tables = self.query(
                "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                "AND table_name <> 'tuichart_meta'"
            )
            return all(self.query(f'SELECT 1 FROM "{t[0]}" LIMIT 1') == [] for t in tables)
        except duckdb.Error:  # unsure what it holds: keep it
            return False

    def _writable(self) -> None:
        if self.mode is StoreMode.READ_ONLY:
            raise StoreError("the store is open read-only")

    # ---- writes ------------------------------------------------------------------------------

    def upsert(self, key: SeriesKey, candles: Sequence[Candle]) -> int:
        """Insert or replace closed candles of one series; returns how many rows were written."""
        if not candles:
            return 0
        return self.upsert_columns(key, exact_columns(candles))

    def upsert_series(self, candles: Mapping[SeriesKey, Sequence[Candle]]) -> int:
        """Insert or replace closed candles of several series in one statement and one transaction (a writer's
        batch); returns how many rows were written.

        Every transaction and every hash table of a statement leaves DuckDB a few hundred bytes of bookkeeping
        that it gives back only once tens of thousands have piled up (the buffer pool's eviction queues): a
        long-running writer of many series grows by that unless it writes them together.
        """
        keys = [key for key, cs in candles.items() if cs]
        if not keys:
            return 0
        flat = exact_columns([c for key in keys for c in candles[key]])
        batch = with_keys(flat, [(key, len(candles[key])) for key in keys])
        rows = self._upsert("klines", kline_select(batch), [], batch)
        for key in keys:
            opens = [c.open_time for c in candles[key]]
            self._note_span(key, min(opens), max(opens))
        return rows

    def upsert_columns(self, key: SeriesKey, batch: Columns) -> int:
        """Insert or replace columns of closed candles (store names, ms times; prices and volumes as float64 values
        or int64 units of 1e-8, see `exact_columns`) in one transaction."""
        self._writable()
        rows = self._upsert("klines", kline_select(batch), [key.symbol, key.interval.value], batch)
        if rows:
            self._note_span(key, int(batch["open_time"].min()), int(batch["open_time"].max()))
        return rows

    def upsert_indicator_columns(self, key: SeriesKey, batch: Columns) -> int:
        """Insert or replace indicator rows (`open_time` ms + the indicator columns; NaN stored as NULL)."""
        return self._upsert("indicators", indicator_select(batch), [key.symbol, key.interval.value], batch)

    def upsert_indicator_series(self, rows: Mapping[SeriesKey, Columns]) -> int:
        """Insert or replace indicator rows of several series in one statement and one transaction (see
        `upsert_series`)."""
        keys = [key for key, batch in rows.items() if len(batch["open_time"])]
        if not keys:
            return 0
        columns = {name: np.concatenate([rows[k][name] for k in keys]) for name in ("open_time", *INDICATOR_COLUMNS)}
        batch = with_keys(columns, [(k, len(rows[k]["open_time"])) for k in keys])
        return self._upsert("indicators", indicator_select(batch), [], batch)

    def _upsert(self, table: str, select: str, params: list[object], batch: Columns) -> int:
        """Insert the rows `select` makes of `batch` in one transaction, replacing stored ones only when some are
        already there: DuckDB plans a replace as a merge (a scan and hash tables), a plain insert as an append."""
        self._writable()
        rows = len(batch["open_time"])
        if rows == 0:
            return 0
        with self._db.writing() as cur:
            try:  # new rows (the usual case) skip the slower replace path
                cur.execute("BEGIN")
                cur.execute(f"INSERT INTO {table} {select}", params)
                cur.execute("COMMIT")
            except duckdb.ConstraintException:
                cur.execute("ROLLBACK")
                cur.execute("BEGIN")
                cur.execute(f"INSERT OR REPLACE INTO {table} {select}", params)
                cur.execute("COMMIT")
        return rows

    def _note_span(self, key: SeriesKey, oldest: int, newest: int) -> None:
        if key in self._spans:  # a series not asked about yet is asked in full when it is
            span = self._spans[key]
            self._spans[key] = (oldest, newest) if span is None else (min(span[0], oldest), max(span[1], newest))

    def record_exchange_gap(self, gap: Gap, checked_at_ms: int) -> None:
        """Remember a gap the exchange itself has, so it is not fetched again."""
        with self._db.writing() as cur:
            cur.execute(
                "INSERT OR REPLACE INTO exchange_gaps VALUES (?, ?, make_timestamp(? * 1000), "
                "make_timestamp(? * 1000), make_timestamp(? * 1000))",
                [gap.key.symbol, gap.key.interval.value, gap.first_open, gap.last_open, checked_at_ms],
            )

    def record_alerts(self, alerts: Sequence[FiredAlert]) -> None:
        """Append fired alerts to `alerts_fired`; a read-only store skips them and logs it."""
        if not alerts:
            return
        if self.mode is StoreMode.READ_ONLY:
            log.warning("the store is read-only: %d fired alert(s) not stored", len(alerts))
            return
        rows = [
            [
                a.fired_at,
                a.rule_id,
                a.symbol,
                a.interval,
                a.open_time,
                a.closed,
                a.condition,
                a.price,
                a.value,
                a.source,
            ]
            for a in alerts
        ]
        with self._db.writing() as cur:
            cur.execute("BEGIN")  # all of them or none
            cur.executemany(
                "INSERT INTO alerts_fired VALUES (make_timestamp(? * 1000), ?, ?, ?, make_timestamp(? * 1000), "
                "?, ?, ?, ?, ?)",
                rows,
            )
            cur.execute("COMMIT")

    # ---- reads -------------------------------------------------------------------------------

    def query_numpy(self, sql: str, params: Sequence[object] = ()) -> dict[str, np.ndarray]:
        """A read-only query's columns as NumPy arrays, by name."""
        with self._db.reading() as conn:
            columns: dict[str, np.ndarray] = conn.execute(sql, list(params)).fetchnumpy()
        return columns

    def query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        """Rows of a read-only SQL query (for services that need more than the typed loads)."""
        return self._query(sql, params)

    def _query(self, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
        with self._db.reading() as conn:
            return conn.execute(sql, list(params)).fetchall()

    def _candle_columns(self, sql: str, params: Sequence[object]) -> Columns:
        with self._db.reading() as conn:
            columns = conn.execute(sql, list(params)).fetchnumpy()  # candles have no NULLs
        return {
            name: np.asarray(columns[name], np.int64 if name in INT_FIELDS else np.float64) for name in CANDLE_FIELDS
        }

    def copy_to(self, select_sql: str, params: Sequence[object], target: str, options: str) -> None:
        """Write a query's rows with DuckDB's COPY (Parquet, JSON, partitioned datasets)."""
        with self._db.reading() as conn:
            cur = conn.cursor()
            try:
                cur.execute(
                    f"COPY ({select_sql}) TO '{target.replace(chr(39), chr(39) * 2)}' ({options})", list(params)
                )
            except duckdb.IOException as exc:  # the output's disk, not the store's
                reason = "the disk is full (No space left on device)" if is_disk_full(str(exc)) else first_line(exc)
                raise StoreError(f"cannot write {target}: {reason}; free some space or write elsewhere") from exc
            finally:
                cur.close()

    def fired_alerts(self, limit: int = 50, symbol: str | None = None) -> list[FiredAlert]:
        """The newest fired alerts first, of every symbol or one."""
        where, params = ("WHERE symbol = ?", [symbol]) if symbol is not None else ("", [])
        sql = (
            'SELECT rule_id, symbol, "interval", condition, epoch_ms(open_time), closed, price, value, '
            f"epoch_ms(fired_at), source FROM alerts_fired {where} "
            f"ORDER BY fired_at DESC, rowid DESC LIMIT {int(limit)}"
        )
        try:
            rows = self._query(sql, params)
        except duckdb.CatalogException:  # a store from before alerts, opened read-only, has no such table
            return []
        return [FiredAlert(*row) for row in rows]  # type: ignore[arg-type]

    def first_open_time(self, key: SeriesKey) -> int | None:
        """Open time (ms) of the oldest stored candle of a series."""
        span = self._span(key)
        return None if span is None else span[0]

    def last_open_time(self, key: SeriesKey) -> int | None:
        """Open time (ms) of the newest stored candle of a series."""
        span = self._span(key)
        return None if span is None else span[1]

    def read_spans(self, keys: Sequence[SeriesKey]) -> None:
        """Read the time spans of these series, before any is written, in one pass over the table: a recorder of
        thousands of series then looks each one's newest candle up instead of asking the store for it."""
        found = {s.key: (s.first_open, s.last_open) for s in self.series()}
        for key in keys:
            self._spans.setdefault(key, found.get(key))

    def _span(self, key: SeriesKey) -> tuple[int, int] | None:
        if key not in self._spans:  # every write goes through upsert, which keeps it up to date from then on
            where, params = series_where(key)
            sql = f"SELECT epoch_ms(min(open_time)), epoch_ms(max(open_time)) FROM klines WHERE {where}"
            row = self._query(sql, params)
            oldest, newest = row[0]
            self._spans[key] = (oldest, newest) if isinstance(oldest, int) and isinstance(newest, int) else None
        return self._spans[key]

    def count(self, key: SeriesKey | None = None, *, since: int | None = None, until: int | None = None) -> int:
        """Stored candles of one series (opening in [since, until] when given), or of all."""
        if key is None:
            row = self._query("SELECT count(*) FROM klines")
        else:
            sql, params = export_select(key, since, until)
            row = self._query(f"SELECT count(*) FROM ({sql})", params)
        value = row[0][0]
        return int(value) if isinstance(value, int) else 0

    def series(self) -> list[SeriesSummary]:
        """Every stored series with its count and time span."""
        rows = self._query(
            'SELECT symbol, "interval", count(*), epoch_ms(min(open_time)), epoch_ms(max(open_time)) '
            'FROM klines GROUP BY ALL ORDER BY symbol, "interval"'
        )
        return [
            SeriesSummary(SeriesKey(str(s), Interval(str(i))), int(n), int(a), int(b))  # type: ignore[call-overload]
            for s, i, n, a, b in rows
        ]

    def load(
        self, key: SeriesKey, *, last: int | None = None, since: int | None = None, until: int | None = None
    ) -> pl.DataFrame:
        """Candles of a series as Polars (ms times), oldest first: the `last` N, and/or a [since, until] range."""
        import polars as pl

        return pl.DataFrame(self.load_columns(key, last=last, since=since, until=until), schema=candle_schema())

    def load_candles(
        self, key: SeriesKey, *, last: int | None = None, since: int | None = None, until: int | None = None
    ) -> list[Candle]:
        """Candles of a series as domain objects, oldest first: the `last` N, and/or a [since, until] range."""
        return columns_candles(self.load_columns(key, last=last, since=since, until=until))

    def load_columns(
        self, key: SeriesKey, *, last: int | None = None, since: int | None = None, until: int | None = None
    ) -> Columns:
        """Candles of a series as columns (ms times), oldest first: the `last` N, and/or a [since, until] range."""
        where, params = series_where(key, since, until)
        if last is None:
            return self._candle_columns(f"SELECT {_SELECT_CANDLE} FROM klines WHERE {where} ORDER BY open_time", params)
        newest = self.last_open_time(key) if until is None else until
        if newest is not None and since is None:
            # A window of exactly N candles (no sort beyond them, old row groups skipped) holds them all unless
            # there are gaps; then a wider one, then the whole series.
            for width in (last - 1, int(last * 1.25 + 10)):
                since_ms = newest - width * key.interval.nominal_ms
                window = self._candle_columns(
                    f"SELECT {_SELECT_CANDLE} FROM klines WHERE {where} AND open_time >= make_timestamp(? * 1000) "
                    "ORDER BY open_time",
                    [*params, since_ms],
                )
                oldest = self.first_open_time(key)
                if len(window["open_time"]) >= last or oldest is None or since_ms <= oldest:  # or all there is
                    return {name: column[-last:] for name, column in window.items()}
        return self._last_n(where, params, last)

    def _last_n(self, where: str, params: list[object], n: int) -> Columns:
        sql = (
            f"SELECT * FROM (SELECT {_SELECT_CANDLE} FROM klines WHERE {where} "
            f"ORDER BY klines.open_time DESC LIMIT {int(n)}) ORDER BY open_time"
        )
        return self._candle_columns(sql, params)

    def candles(self, key: SeriesKey, *, since: int | None = None, until: int | None = None) -> list[Candle]:
        """Candles of a series as domain objects, oldest first."""
        return self.load_candles(key, since=since, until=until)

    def gaps(self, key: SeriesKey, *, since: int | None = None, until: int | None = None) -> list[Gap]:
        """Runs of missing candles between stored ones, minus gaps the exchange itself is known to have."""
        opens = self.load_columns(key, since=since, until=until)["open_time"].tolist()
        known = {
            int(a): int(b)  # type: ignore[call-overload]
            for a, b in self._query(
                "SELECT epoch_ms(first_open), epoch_ms(last_open) FROM exchange_gaps "
                'WHERE symbol = ? AND "interval" = ?',
                [key.symbol, key.interval.value],
            )
        }
        out: list[Gap] = []
        step = key.interval.next_open
        for prev, cur in itertools.pairwise(opens):
            first = step(prev)
            if first >= cur or first in known:
                continue
            if key.interval.is_calendar:
                last, count = first, 1
                while step(last) < cur:
                    last, count = step(last), count + 1
            else:
                count = (cur - first) // key.interval.nominal_ms
                last = first + (count - 1) * key.interval.nominal_ms
            out.append(Gap(key, first, last, count))
        return out
