"""A damaged store is found when it is opened, whatever part of it is damaged, and is never written."""

from __future__ import annotations

import hashlib
import random
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pytest

from tests.data_paths import VISION_ZIPS
from tuichart.binance.vision import read_kline_file
from tuichart.domain import Candle, FiredAlert, Gap, Interval, SeriesKey
from tuichart.errors import StoreError
from tuichart.store import STORE_FILE, Store
from tuichart.store.integrity import check_blocks
from tuichart.store.schema import INDICATOR_COLUMNS

KEY = SeriesKey("BTCUSDT", Interval.M1)
FILE_HEADER = 3 * 4096  # DuckDB's headers come before the first block


@pytest.fixture(scope="module")
def day() -> list[Candle]:
    return read_kline_file(VISION_ZIPS[0])


def digest(data: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(data.iterdir())}


@pytest.fixture(scope="module")
def full_store(tmp_path_factory: pytest.TempPathFactory, day: list[Candle]) -> Path:
    """Every table filled: candles, indicator rows, an exchange gap, a fired alert (data, index and catalog blocks)."""
    data = tmp_path_factory.mktemp("full")
    with Store.open(data) as store:
        store.upsert(KEY, day)
        opens = np.array([c.open_time for c in day], dtype=np.int64)
        store.upsert_indicator_columns(
            KEY, {"open_time": opens, **{c: np.linspace(1, 2, len(day)) for c in INDICATOR_COLUMNS}}
        )
        store.record_exchange_gap(Gap(KEY, day[10].open_time, day[12].open_time, 3), day[-1].close_time)
        alert = FiredAlert("a1", "BTCUSDT", "1m", "price above 1", day[5].open_time, True, 7200.0, 7200.0, 1, "record")
        store.record_alerts([alert])
    return data


def test_random_bytes_in_any_block_are_found_on_open_and_nothing_is_written(full_store: Path, tmp_path: Path) -> None:
    raw = (full_store / STORE_FILE).read_bytes()
    con = duckdb.connect(str(full_store / STORE_FILE), read_only=True)
    block_size, blocks = con.execute("SELECT block_size, total_blocks FROM pragma_database_size()").fetchone()  # type: ignore[misc]
    con.close()
    assert len(raw) == FILE_HEADER + blocks * block_size and blocks >= 8
    rng = random.Random(3)
    for i in range(blocks):
        data = tmp_path / f"block{i}"
        data.mkdir()
        at = FILE_HEADER + i * block_size + rng.randrange(8, block_size - 4096)
        (data / STORE_FILE).write_bytes(raw[:at] + rng.randbytes(4096) + raw[at + 4096 :])
        before = digest(data)
        with pytest.raises(StoreError, match=r"is damaged: .*nothing was written to it"):
            Store.open(data)
        assert digest(data) == before, f"block {i} damaged: the file changed"
    with Store.open(full_store, read_only=True) as store:  # the original is sound
        assert store.count(KEY) == 1440


def test_a_sound_journal_left_by_a_killed_process_is_kept_and_a_damaged_one_refused(
    tmp_path: Path, day: list[Candle]
) -> None:
    left = tmp_path / "left"
    code = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from tests.data_paths import VISION_ZIPS\n"
        "from tuichart.domain import Interval, SeriesKey\n"
        "from tuichart.binance.vision import read_kline_file\n"
        "from tuichart.store import Store\n"
        "store = Store.open(Path(sys.argv[1]))\n"
        "candles = read_kline_file(VISION_ZIPS[0])\n"
        "for i in range(0, 1440, 60):\n"
        "    store.upsert(SeriesKey('BTCUSDT', Interval.M1), candles[i : i + 60])\n"
        "os._exit(0)  # no checkpoint: the candles are in the journal only\n"
    )
    subprocess.run([sys.executable, "-c", code, str(left)], check=True, cwd=Path(__file__).parents[2])
    journal = left / (STORE_FILE + ".wal")
    assert journal.stat().st_size > 100_000
    damaged = tmp_path / "damaged"
    shutil.copytree(left, damaged)
    wal = bytearray((damaged / journal.name).read_bytes())
    wal[len(wal) // 2 : len(wal) // 2 + 256] = random.Random(5).randbytes(256)
    (damaged / journal.name).write_bytes(bytes(wal))
    before = digest(damaged)
    with pytest.raises(StoreError, match=r"is damaged: its journal \(\.wal\) is damaged at byte \d+; nothing was"):
        Store.open(damaged)
    assert digest(damaged) == before
    with Store.open(left) as store:
        assert store.load_candles(KEY) == day


def test_the_pinned_duckdb_writes_blocks_whose_checksums_this_check_computes(full_store: Path) -> None:
    """The block check follows DuckDB's storage format (pinned exactly in pyproject.toml): on a sound store every
    block must match, or the check would silently fall back to reading the tables and miss damaged indexes."""
    path = full_store / STORE_FILE
    conn = duckdb.connect(str(path), read_only=True)
    try:
        found = check_blocks(conn, path)
    finally:
        conn.close()
    assert found.understood and found.bad == () and found.present == found.blocks > 3
