"""Is a store whole? DuckDB checks its headers and catalog when it opens a file and each block's checksum when it reads
it; primary-key indexes are only read by a write, so every block's checksum is also verified here, the way DuckDB
computes it. Damaged or missing blocks (random bytes, a truncated file) show when the store is opened, never later in
a write."""

from __future__ import annotations

import logging
import mmap
import re
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from tuichart.errors import StoreError

log = logging.getLogger(__name__)

FILE_HEADER_BYTES = 3 * 4096
"""DuckDB's main header and its two database headers (DuckDB checks these itself) come before the first block."""
STORE_JOURNAL_SUFFIX = ".wal"
"""DuckDB's journal of commits not yet in the file, beside it."""
_CHECKSUM_SEED = np.uint64(5381)
_CHECKSUM_FACTOR = np.uint64(0xBF58476D1CE4E5B9)
_BLOCKS_PER_STEP = 4


@dataclass(frozen=True, slots=True)
class TableRead:
    """One table read: how many rows it has, or why it could not be read."""

    name: str
    rows: int
    error: str | None = None


@dataclass(frozen=True, slots=True)
class BlockCheck:
    """Every block's checksum against the one stored in its first 8 bytes."""

    blocks: int
    """Blocks the catalog counts (used and free)."""
    present: int
    """Blocks the file holds in full."""
    bad: tuple[int, ...]
    """Offsets in the file of the blocks whose checksum does not match."""
    understood: bool
    """False when no block matched: a layout this check does not know (another DuckDB storage format)."""

    @property
    def damage(self) -> str | None:
        """What is wrong, in a few words, or None."""
        if not self.understood:
            return None
        if self.present < self.blocks:
            return f"the file is cut short: it holds {self.present} of its {self.blocks} blocks"
        if self.bad:
            return f"a block's checksum does not match, at byte {self.bad[0]}{_more(len(self.bad) - 1, 'block')}"
        return None


def first_line(exc: BaseException) -> str:
    """The first line of an error's text, the part people can read."""
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else exc.__class__.__name__


def block_error(exc: BaseException) -> str:
    """DuckDB's words for a bad block, shorter."""
    text = first_line(exc)
    if m := re.search(r"checksum .* in block at location (\d+)", text):
        return f"a block's checksum does not match, at byte {m.group(1)}"
    if m := re.search(r"Corrupt WAL file: entry at byte position (\d+)", text):
        return f"its journal ({STORE_JOURNAL_SUFFIX}) is damaged at byte {m.group(1)}"
    if m := re.search(r"Could not read enough bytes .* from location (\d+)", text):
        return f"the file is cut short: it ends before byte {m.group(1)}"
    return text


def read_tables(conn: duckdb.DuckDBPyConnection, *, whole: bool) -> list[TableRead]:
    """Read every table: each row of it (hashed: count(*) alone would come from the metadata), or its first row only."""
    names = [
        str(r[0])
        for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
            "AND table_schema = 'main' AND table_catalog = current_database() ORDER BY table_name"
        ).fetchall()
    ]
    reads = []
    for name in names:
        sql = (
            f'SELECT count(*), bit_xor(hash(t)) FROM "{name}" AS t'
            if whole
            else f'SELECT count(*) FROM (SELECT * FROM "{name}" LIMIT 1) AS t'
        )
        try:
            row = conn.execute(sql).fetchone()
        except duckdb.Error as exc:
            reads.append(TableRead(name, 0, block_error(exc)))
            continue
        reads.append(TableRead(name, int(row[0]) if row else 0))
    return reads


def check_blocks(conn: duckdb.DuckDBPyConnection, path: Path) -> BlockCheck:
    """Verify the checksum of every block in the file (used or free: the free list is DuckDB's own)."""
    row = conn.execute("SELECT block_size, total_blocks FROM pragma_database_size()").fetchone()
    block_size, blocks = (int(row[0]), int(row[1])) if row else (0, 0)
    size = path.stat().st_size
    present = min(blocks, max(size - FILE_HEADER_BYTES, 0) // block_size) if block_size > 0 else 0
    if block_size <= 0 or block_size % 8 or present == 0:
        return BlockCheck(blocks, present, (), understood=block_size > 0 and block_size % 8 == 0)
    with path.open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        bad, good = _mismatches(mapped, block_size, present)
    understood = good > 0
    if not understood:
        log.warning("%s: no block checksum matched (a block layout not known here): tables are read whole", path)
    return BlockCheck(blocks, present, tuple(FILE_HEADER_BYTES + i * block_size for i in bad), understood)


def _mismatches(mapped: mmap.mmap, block_size: int, count: int) -> tuple[list[int], int]:
    """(indexes of the blocks whose checksum does not match, how many match); all-zero blocks are holes, skipped."""
    words = block_size // 8
    blocks = np.frombuffer(mapped, dtype=np.uint64, count=count * words, offset=FILE_HEADER_BYTES).reshape(count, words)
    products = np.empty((_BLOCKS_PER_STEP, words - 1), dtype=np.uint64)  # a few blocks at a time stay in the cache
    bad: list[int] = []
    good = 0
    for start in range(0, count, _BLOCKS_PER_STEP):
        step = blocks[start : start + _BLOCKS_PER_STEP]
        out = products[: len(step)]
        np.multiply(step[:, 1:], _CHECKSUM_FACTOR, out=out)
        computed = np.bitwise_xor.reduce(out, axis=1) ^ _CHECKSUM_SEED
        mismatched = np.nonzero(computed != step[:, 0])[0].tolist()
        good += len(step) - len(mismatched)
        bad += [start + i for i in mismatched if step[i].any()]
    del blocks, step  # the map cannot close while arrays point into it
    return bad, good


def damage(reads: list[TableRead]) -> str | None:
    """What is wrong with the tables, in a few words, or None when every one was read."""
    bad = [r for r in reads if r.error is not None]
    if not bad:
        return None
    return f"table {bad[0].name} cannot be read ({bad[0].error}){_more(len(bad) - 1, 'table')}"


def _more(n: int, noun: str) -> str:
    return f" and {n} more {noun}{'s' if n > 1 else ''}" if n else ""


def verify(conn: duckdb.DuckDBPyConnection, path: Path) -> str | None:
    """What is damaged in the store just opened, or None: each table gives its first row and every block's checksum
    matches (with a block layout not known here, every table is read whole instead)."""
    if (found := damage(read_tables(conn, whole=False))) is not None:
        return found
    blocks = check_blocks(conn, path)
    if blocks.understood:
        return blocks.damage
    return damage(read_tables(conn, whole=True))


def damaged(path: Path, detail: str) -> StoreError:
    """The one line that stops a command on a damaged store, saying what to do."""
    return StoreError(
        f"{path} is damaged: {detail}; nothing was written to it - `tuichart store check --data-dir {path.parent}` "
        "reports what it holds; restore it from an export or a backup, or move it away"
    )
