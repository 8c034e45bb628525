"""`store check`: every table of a store read whole and every block's checksum verified, without writing anything."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from tuichart.store.db import open_database
from tuichart.store.integrity import BlockCheck, TableRead, check_blocks, damage, first_line, read_tables


@dataclass(frozen=True, slots=True)
class StoreCheck:
    """What a store holds, table by table, and whether every row could be read."""

    path: Path
    size: int
    tables: list[TableRead]
    series: int | None
    """Series (symbol and interval) in klines; None when klines cannot be read."""
    blocks: BlockCheck

    @property
    def damage(self) -> str | None:
        """What is wrong in a few words, or None when the store is sound."""
        return damage(self.tables) or self.blocks.damage


def check_store(data_dir: Path) -> StoreCheck:
    """Open the store read-only and read every table whole; raises StoreError when it cannot even be opened."""
    opened = open_database(data_dir, read_only=True, fallback=False, check=False)
    assert opened.path is not None  # a directory was given
    try:
        tables = read_tables(opened.conn, whole=True)
        blocks = check_blocks(opened.conn, opened.path)
        series: int | None = None
        if any(t.name == "klines" and t.error is None for t in tables):
            try:
                row = opened.conn.execute('SELECT count(*) FROM (SELECT DISTINCT symbol, "interval" FROM klines)')
                found = row.fetchone()
                series = int(found[0]) if found else 0
            except duckdb.Error as exc:  # read whole a moment ago: only a failing disk gets here
                tables.append(TableRead("klines (series)", 0, first_line(exc)))
    finally:
        opened.conn.close()
    return StoreCheck(opened.path, opened.path.stat().st_size, tables, series, blocks)
