"""Real small and read-only file systems for the tests of full disks and unwritable directories.

Permissions alone do not stop root (the CI user), so these mount a tmpfs of a given size, or remount one
read-only. They need root and mount(8): without them the test fails, saying so, rather than being skipped.
"""

from __future__ import annotations

import errno
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def _mount(*args: str) -> None:
    r = subprocess.run(["mount", *args], capture_output=True, text=True)
    if r.returncode != 0:
        raise AssertionError(
            f"mount {' '.join(args)} failed ({r.stderr.strip()}): these tests need root and mount, as in CI"
        )


@contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A tmpfs of `size` (mount's units: 4m, 512k) mounted at `where` for the block."""
    assert os.geteuid() == 0, "these tests mount file systems: run them as root (CI does)"
    where.mkdir(parents=True, exist_ok=True)
    _mount("-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where))
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=True)


def read_only(where: Path) -> None:
    """Remount the tmpfs at `where` read-only."""
    _mount("-o", "remount,ro", str(where))


def fill(where: Path) -> Path:
    """Write a file in `where` until its disk is full; returns the file (delete it to free the space)."""
    filler = where / "filler"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    with open(filler, "ab", buffering=0) as f:  # what a 4 KiB write left over, to the last byte
        try:
            while True:
                f.write(b"\0")
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc
    return filler


def as_nobody(argv: list[str]) -> list[str]:
    """`argv` run as the user nobody (root passes permission checks)."""
    assert os.geteuid() == 0, "these tests switch to the user nobody: run them as root (CI does)"
    return [*NOBODY, *argv]
