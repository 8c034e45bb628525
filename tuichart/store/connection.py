"""The store's DuckDB connection: one lock for every call, opened again when DuckDB gives it up."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb

from tuichart.errors import StoreError
from tuichart.store.db import StoreMode, open_database
from tuichart.store.failures import needs_reopen, store_write_error

log = logging.getLogger(__name__)

WRITER_MEMORY = "24MB"  # measured: a recorder of 50 series then holds about 14 MB in DuckDB, flat
WRITER_CHECKPOINT = "4MB"


class StoreConnection:
    """The connection to one DuckDB file (or memory), serialised by a lock; safe to share between threads."""

    def __init__(
        self, conn: duckdb.DuckDBPyConnection, mode: StoreMode, path: Path | None, data_dir: Path | None
    ) -> None:
        self._conn = conn
        self.mode = mode
        self.path = path
        self._data_dir = data_dir
        self._broken = False
        """DuckDB invalidated the database (a failed checkpoint, a full disk): opened again before the next call."""
        self._lock = threading.Lock()
        self._settings: tuple[str, ...] = ()
        """SET statements this connection got, given again to a connection opened again."""

    def bound_memory(self) -> None:
        """Cap DuckDB's memory for a long-running writer of small batches: checkpoint every 4 MB of log and keep
        at most 24 MB of blocks cached (DuckDB's default cache grows with the file, up to 80 % of RAM)."""
        if self.mode is StoreMode.READ_WRITE:
            self._settings = (
                f"SET memory_limit = '{WRITER_MEMORY}'",
                f"SET checkpoint_threshold = '{WRITER_CHECKPOINT}'",
            )
            with self._lock:
                for statement in self._settings:
                    self._connection().execute(statement)

    def close(self) -> None:
        """Checkpoint and close the file; a failed checkpoint loses nothing (the journal keeps every commit and the
        next open applies it), so it is logged, not raised."""
        with self._lock:
            try:
                if self.mode is StoreMode.READ_WRITE and not self._broken:
                    self._conn.execute("CHECKPOINT")
            except duckdb.Error as exc:
                log.warning("checkpoint of %s failed (the journal keeps what was written): %s", self.path, exc)
            finally:
                with contextlib.suppress(duckdb.Error):
                    self._conn.close()

    def _connection(self) -> duckdb.DuckDBPyConnection:
        """The connection, opened again (and checked again) if DuckDB invalidated it; call with the lock held."""
        if self._broken and self.path is not None:
            with contextlib.suppress(duckdb.Error):
                self._conn.close()  # DuckDB keeps one instance per file: it must go before the file is opened again
            opened = open_database(self._data_dir, read_only=self.mode is StoreMode.READ_ONLY, fallback=False)
            self._conn = opened.conn
            self._broken = False
            for statement in self._settings:
                self._conn.execute(statement)
            log.warning("the store %s was opened again: DuckDB gave up the connection after a failed write", self.path)
        return self._conn

    @contextlib.contextmanager
    def writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for one write, under the lock; a failure becomes one StoreError line (a full disk, a directory
        it may not write in) and marks an invalidated database to be opened again."""
        if self.mode is StoreMode.READ_ONLY:
            raise StoreError("the store is open read-only")
        with self._lock:
            cur = self._connection().cursor()
            try:
                yield cur
            except duckdb.Error as exc:
                self._broken = self._broken or needs_reopen(exc)
                with contextlib.suppress(duckdb.Error):
                    cur.execute("ROLLBACK")
                raise store_write_error(self.path, exc) from exc
            finally:
                with contextlib.suppress(duckdb.Error):
                    cur.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """The connection for one read, under the lock; an invalidated database is opened again before the next."""
        with self._lock:
            try:
                yield self._connection()
            except duckdb.Error as exc:
                self._broken = self._broken or needs_reopen(exc)
                raise
