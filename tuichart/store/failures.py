"""What a failed write means to the user (a full disk, a directory it may not write in), and when DuckDB needs the
file opened again."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

import duckdb

from tuichart.errors import StoreError
from tuichart.store.integrity import first_line

_FULL = ("No space left on device", "Disk quota exceeded", "File too large")
_DENIED = ("Permission denied", "Read-only file system", "Operation not permitted")


def is_disk_full(reason: str) -> bool:
    """True when an error's text says the disk (or the user's quota) is full."""
    return any(s in reason for s in _FULL)


def write_failure(path: Path, reason: str) -> str:
    """One line saying why the store at `path` could not be written and what to do."""
    if is_disk_full(reason):
        return f"the disk holding {path.parent} is full ({_short(reason)}): free some space"
    if any(s in reason for s in _DENIED):
        return (
            f"cannot write in {path.parent} ({_short(reason)}): the store writes its journal {path.name}.wal "
            "beside the file; make the directory writable or use --data-dir DIR"
        )
    return f"cannot write the store {path}: {_short(reason)}"


def _short(reason: str) -> str:
    for s in (*_FULL, *_DENIED):
        if s in reason:
            return s
    return reason


def store_write_error(path: Path | None, exc: duckdb.Error) -> StoreError:
    """A DuckDB error of a write as the one-line StoreError the commands show."""
    if path is None:
        return StoreError(f"cannot write the in-memory store: {first_line(exc)}")
    return StoreError(write_failure(path, first_line(exc)))


def needs_reopen(exc: BaseException) -> bool:
    """True when DuckDB has invalidated the database (a failed checkpoint): every later call fails until it is
    opened again."""
    return isinstance(exc, duckdb.FatalException | duckdb.InternalException) or "invalidated" in str(exc)


def probe_directory(data_dir: Path, store: Path) -> None:
    """Create and remove a file beside the store: DuckDB opens a store in a directory it may not write in, and
    only fails at the first commit, when it creates the journal (.wal) there."""
    try:
        fd, name = tempfile.mkstemp(prefix=".tuichart-", suffix=".probe", dir=data_dir)
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOSPC, errno.EDQUOT):
            raise StoreError(write_failure(store, exc.strerror or str(exc))) from None
        raise StoreError(f"cannot write in {data_dir}: {exc.strerror or exc}; use --data-dir DIR") from None
    os.close(fd)
    os.unlink(name)
