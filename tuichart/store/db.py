"""Opening the DuckDB file safely: locks held by another process, corrupt or foreign files, unwritable dirs."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from tuichart.errors import StoreError
from tuichart.store.failures import is_disk_full, probe_directory, write_failure
from tuichart.store.integrity import block_error, damaged, first_line, verify
from tuichart.store.schema import EXPECTED_KLINE_COLUMNS, SCHEMA_VERSION, STATEMENTS, UPGRADES

STORE_FILE = "tuichart.duckdb"
# Every read that needs an order says ORDER BY, so inserts need not keep theirs: a third faster for wide
# DECIMAL(38,8) rows (1M candles: 1.21 -> 0.88 s in DuckDB alone).
CONNECTION_CONFIG: dict[str, str | bool | int | float | list[str]] = {"preserve_insertion_order": False}


class StoreMode(enum.Enum):
    """How the store is backed: the file, the file read-only, or memory only (nothing saved)."""

    READ_WRITE = "read-write"
    READ_ONLY = "read-only"
    MEMORY = "in-memory"


@dataclass(frozen=True, slots=True)
class Opened:
    """A connection with the mode it got and, when degraded, the one line that says why."""

    conn: duckdb.DuckDBPyConnection
    mode: StoreMode
    path: Path | None
    notice: str | None
    created: tuple[Path, ...] = ()
    """What this open created (the file, then new directories deepest first): removed again if nothing is written."""


def _lock_holder(message: str) -> str:
    pid = re.search(r"PID (\d+)", message)
    return f"another process (PID {pid.group(1)})" if pid else "another process"


def _connect_file(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only, config=CONNECTION_CONFIG)
    except duckdb.Error as exc:
        text = str(exc)
        if isinstance(exc, duckdb.IOException) and "lock" in text.lower():
            raise _Locked(text) from None
        if "Permission denied" in text or "Read-only file system" in text:
            raise StoreError(f"cannot write the store {path}: permission denied; use --data-dir DIR") from None
        if "not a valid DuckDB database" in text:
            raise StoreError(
                f"{path} is not a DuckDB database tuichart can use (corrupt or foreign); "
                "it was left untouched - move it away or use --data-dir"
            ) from None
        if is_disk_full(text):  # a new store's first blocks
            raise StoreError(write_failure(path, text)) from None
        if "version" in text.lower():  # written by another DuckDB release: not damaged
            raise StoreError(f"cannot open the store {path}: {first_line(exc)}") from None
        raise damaged(path, block_error(exc)) from None


class _Locked(Exception):
    pass


def _check_schema(conn: duckdb.DuckDBPyConnection, path: Path | None) -> bool:
    """True when the file already is a tuichart store; raise when it holds someone else's tables."""
    tables = {r[0] for r in conn.execute("SELECT table_name FROM information_schema.tables").fetchall()}
    if not tables:
        return False
    if "tuichart_meta" not in tables:
        raise StoreError(
            f"{path} holds tables that are not tuichart's ({', '.join(sorted(tables)[:3])}); "
            "it was left untouched - use another --data-dir"
        )
    cols = tuple(
        r[0]
        for r in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'klines' ORDER BY ordinal_position"
        ).fetchall()
    )
    if cols != EXPECTED_KLINE_COLUMNS:
        raise StoreError(f"{path}: table klines has an unexpected layout; it was left untouched")
    return True


def _stored_version(conn: duckdb.DuckDBPyConnection) -> int:
    row = conn.execute("SELECT value FROM tuichart_meta WHERE key = 'schema_version'").fetchone()
    return int(row[0]) if row and str(row[0]).isdigit() else 0


def _init_schema(conn: duckdb.DuckDBPyConnection, stored_version: int | None = None) -> None:
    conn.execute("BEGIN")
    for version, upgrade in UPGRADES.items():
        if stored_version is not None and stored_version < version:
            for stmt in upgrade:
                conn.execute(stmt)
    for stmt in STATEMENTS:
        conn.execute(stmt)
    conn.execute("INSERT OR REPLACE INTO tuichart_meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
    conn.execute("COMMIT")


def open_database(
    data_dir: Path | None, *, read_only: bool = False, fallback: bool = True, check: bool = True
) -> Opened:
    """Open (creating if new) the store in `data_dir`; None means memory only.

    An existing file is checked (`check`, see `integrity.verify`) before anything writes to it: with a left-over
    journal it is opened read-only first (a read-write open alone applies the journal to the file), without one the
    read-write connection is checked, since opening it writes nothing. A damaged store is refused.
    When another process holds the file, a read-only opener gets a memory store with a notice when `fallback` is
    set, and every other opener gets a StoreError.
    """
    if data_dir is None:
        conn = duckdb.connect(":memory:", config=CONNECTION_CONFIG)
        _init_schema(conn)
        return Opened(conn, StoreMode.MEMORY, None, None)
    if read_only and not (data_dir / STORE_FILE).exists():
        raise StoreError(f"no store in {data_dir} yet: import, backfill or record some candles first")
    new_dirs = [d for d in (data_dir, *data_dir.parents) if not d.exists()]
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"cannot create the data directory {data_dir}: {exc.strerror}; use --data-dir DIR") from None
    path = data_dir / STORE_FILE
    exists = path.exists() and path.stat().st_size > 0
    created = (path, *new_dirs) if not path.exists() else ()
    try:
        if not read_only:
            probe_directory(data_dir, path)
        return _open_file(path, read_only, fallback, check, exists, created)
    except StoreError:
        remove_created(created)  # a new store that could not be set up (a full disk) is not left behind
        raise


def _open_file(
    path: Path, read_only: bool, fallback: bool, check: bool, exists: bool, created: tuple[Path, ...]
) -> Opened:
    try:
        known: bool | None = None
        if exists and not read_only and not path.with_name(path.name + ".wal").exists():
            # no journal to apply: a read-write open writes nothing before the check, and saves a second open
            conn = _connect_file(path, False)
            known = _checked(conn, path, check)
        elif exists:
            conn = _connect_file(path, True)
            known = _checked(conn, path, check)
            if not read_only:
                conn.close()
                conn = _connect_file(path, False)
        else:
            conn = _connect_file(path, read_only)
    except _Locked as exc:
        who = _lock_holder(str(exc))
        if not fallback:
            raise StoreError(f"the store {path} is in use by {who}; stop it or use another --data-dir") from None
        conn = duckdb.connect(":memory:", config=CONNECTION_CONFIG)
        _init_schema(conn)
        notice = f"the store {path} is in use by {who}; running on an in-memory store (nothing is saved)"
        return Opened(conn, StoreMode.MEMORY, None, notice)
    try:
        if known is None:
            known = _check_schema(conn, path)
        stored = _stored_version(conn) if known and not read_only else None
        if not read_only and (stored is None or stored < SCHEMA_VERSION):
            _init_schema(conn, stored)  # the upgrades, then idempotent statements: an older store gains what is new
    except StoreError:
        conn.close()
        raise
    except duckdb.Error as exc:
        conn.close()
        if read_only:
            raise StoreError(f"{path} cannot be used as a store: {first_line(exc)}") from None
        raise StoreError(write_failure(path, first_line(exc))) from None
    return Opened(conn, StoreMode.READ_ONLY if read_only else StoreMode.READ_WRITE, path, None, created)


def _checked(conn: duckdb.DuckDBPyConnection, path: Path, check: bool) -> bool:
    """`_check_schema` on a read-only connection, then (`check`) `verify`; closes it when either fails."""
    try:
        known = _check_schema(conn, path)
        if check and (detail := verify(conn, path)) is not None:
            raise damaged(path, detail)
    except StoreError:
        conn.close()
        raise
    except duckdb.Error as exc:
        conn.close()
        raise damaged(path, block_error(exc)) from None
    return known


def remove_created(created: tuple[Path, ...]) -> None:
    """Remove a store file this run created (with its WAL) and the directories made for it, if left empty."""
    if not created:
        return
    store, *dirs = created
    for leftover in (store, store.with_name(store.name + ".wal")):
        leftover.unlink(missing_ok=True)
    for d in dirs:
        try:
            d.rmdir()
        except OSError:  # not empty: something else lives there now
            return
