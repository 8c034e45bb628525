"""Full disks and directories the store may not be written in, on real file systems (a tmpfs of a few MB, a
read-only remount, the user nobody): one line and exit 2 in every command, and `record` keeps its candles in
memory until space returns, then stores every one of them."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from tests.cli.helpers import run_cli
from tests.cli.test_damaged_store import run_app
from tests.data_paths import VISION_ZIPS
from tests.e2e.harness import ExchangeProcess, exchange_process
from tests.e2e.test_record import SPEED, check_run
from tests.mounts import as_nobody, fill, read_only, tmpfs
from tuichart.binance.vision import read_kline_file
from tuichart.domain import Interval, SeriesKey
from tuichart.errors import StoreError
from tuichart.store import STORE_FILE, Store

KEY = SeriesKey("BTCUSDT", Interval.M1)


@pytest.fixture(scope="module")
def exchange() -> Iterator[ExchangeProcess]:
    """A replay whose clock starts on the last day of the data, so a backfill of that day has work to do."""
    with exchange_process("--replay", *VISION_ZIPS, "--speed", str(SPEED), "--start", "2020-01-03T12:00") as ex:
        yield ex


def digest(data: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(data.iterdir())}


def one_line(r: subprocess.CompletedProcess[str]) -> str:
    """The single line a refused command printed on stderr (exit 2, no traceback)."""
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert r.returncode == 2 and len(lines) == 1 and "Traceback" not in r.stderr, (r.returncode, r.stderr)
    return lines[0]


def writing_commands(data: Path, url: str) -> dict[str, list[str | Path]]:
    return {
        "import": ["import", VISION_ZIPS[2], "--data-dir", data],
        "backfill": ["backfill", "BTCUSDT", "-i", "1m", "--since", "2020-01-03", "--exchange", url, "--data-dir", data],
        "record": ["record", "BTCUSDT", "-i", "1m", "--duration", "3", "--exchange", url, "--data-dir", data],
        "indicators rebuild": ["indicators", "rebuild", "--data-dir", data],
        "web": ["web", "BTCUSDT", "-i", "1m", "--exchange", url, "--data-dir", data],
        "check --repair": ["check", "BTCUSDT", "-i", "1m", "--repair", "--exchange", url, "--data-dir", data],
    }


def test_a_read_only_file_system_stops_every_writing_command_in_one_line(
    tmp_path: Path, exchange: ExchangeProcess
) -> None:
    with tmpfs(tmp_path / "disk", "16m") as disk:
        data = disk / "data"
        assert run_cli("import", *VISION_ZIPS[:2], "--data-dir", data).returncode == 0
        read_only(disk)
        before = digest(data)
        for name, args in writing_commands(data, exchange.url).items():
            line = one_line(run_cli(*args, env={"BROWSER": "true"}))
            assert line == (
                f"tuichart: cannot write in {data} (Read-only file system): the store writes its journal "
                "tuichart.duckdb.wal beside the file; make the directory writable or use --data-dir DIR"
            ), name
        assert "cannot write in" in one_line(run_app("--data-dir", data))
        assert digest(data) == before
        # reading still works
        out = tmp_path / "out.csv"
        r = run_cli("export", "BTCUSDT", "-i", "1m", "-o", out, "--data-dir", data)
        assert r.returncode == 0, r.stderr
        assert len(out.read_text().splitlines()) == 2880
        r = run_cli("store", "check", "--data-dir", data)
        assert r.returncode == 0 and "klines: 2880 rows, read whole" in r.stdout, r.stderr


def test_a_writable_store_in_a_directory_nobody_may_write_in(exchange: ExchangeProcess) -> None:
    """DuckDB opens such a store and fails only at the first commit (it creates its journal beside the file):
    every command says so at the start instead of reporting work it never saved."""
    top = Path(tempfile.mkdtemp(prefix="tuichart-dir-"))
    try:
        top.chmod(0o755)
        home = top / "home"
        home.mkdir(mode=0o777)
        home.chmod(0o777)
        data = top / "data"
        assert run_cli("import", *VISION_ZIPS[:2], "--data-dir", data).returncode == 0
        (data / STORE_FILE).chmod(0o666)  # the file itself is writable; its directory (root's, 0755) is not
        before = digest(data)
        env = {
            **os.environ,
            "NO_COLOR": "1",
            "HOME": str(home),
            "XDG_STATE_HOME": str(home),
            "TUICHART_CONFIG": str(home / "config.toml"),
        }
        for name, args in writing_commands(data, exchange.url).items():
            r = subprocess.run(
                as_nobody([sys.executable, "-m", "tuichart", *map(str, args)]),
                capture_output=True,
                text=True,
                env={**env, "BROWSER": "true"},
                timeout=120,
            )
            assert one_line(r) == (
                f"tuichart: cannot write in {data} (Permission denied): the store writes its journal "
                "tuichart.duckdb.wal beside the file; make the directory writable or use --data-dir DIR"
            ), name
        assert digest(data) == before
    finally:
        shutil.rmtree(top)


def test_a_full_disk_stops_import_backfill_and_rebuild_in_one_line(tmp_path: Path, exchange: ExchangeProcess) -> None:
    with tmpfs(tmp_path / "disk", "700k") as disk:
        data = disk / "data"
        line = one_line(run_cli("import", *VISION_ZIPS, "--data-dir", data))
        assert line == f"tuichart: the disk holding {data} is full (No space left on device): free some space"
        r = run_cli("store", "check", "--data-dir", data)  # what went in before the disk filled is whole
        assert r.returncode == 0, r.stderr
        stored = int(r.stdout.split("klines: ")[1].split(" ")[0])
        assert 0 < stored < 4320 and stored % 1440 == 0  # whole files: each one is one transaction
        filler = fill(disk)
        before = digest(data)
        for args in (
            ["backfill", "BTCUSDT", "-i", "1m", "--since", "2020-01-03", "--exchange", exchange.url],
            ["indicators", "rebuild"],
        ):
            line = one_line(run_cli(*args, "--data-dir", data))
            assert line.startswith(f"tuichart: the disk holding {data} is full (No space left on device)"), args
        line = one_line(run_cli(*args, "--data-dir", disk / "new"))  # a new store cannot even be set up
        assert line.startswith(f"tuichart: the disk holding {disk / 'new'} is full (No space left on device)")
        assert not (disk / "new").exists()
        filler.unlink()
        assert digest(data) == before
        r = run_cli("store", "check", "--data-dir", data)
        assert r.returncode == 0 and f"klines: {stored} rows, read whole" in r.stdout, r.stdout


def test_record_keeps_its_candles_through_a_full_disk_and_stores_every_one_once_space_returns(
    tmp_path: Path,
) -> None:
    with tmpfs(tmp_path / "disk", "8m") as disk, exchange_process("--replay", *VISION_ZIPS, "--speed", SPEED) as ex:
        data = disk / "data"
        before = ex.clock()
        proc = subprocess.Popen(
            [sys.executable, "-m", "tuichart", "record", "BTCUSDT", "-i", "1m", "--duration", "20",
             "--exchange", ex.url, "--data-dir", str(data)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )  # fmt: skip
        said: list[str] = []
        reader = threading.Thread(target=lambda: said.extend(proc.stderr or ()), daemon=True)
        reader.start()

        def wait_for(text: str, timeout: float) -> None:
            deadline = time.monotonic() + timeout
            while not any(text in line for line in said):
                assert time.monotonic() < deadline and proc.poll() is None, (text, said)
                time.sleep(0.05)

        wait_for("recording", 30)
        time.sleep(3)
        filler = fill(disk)
        wait_for(
            f"store write failed: the disk holding {data} is full (No space left on device): free some space; "
            "the candles are kept in memory and tried again",
            10,
        )
        time.sleep(4)  # 40 minutes of candles at this speed, kept in memory
        filler.unlink()
        wait_for("store writes work again", 10)
        out, _ = proc.communicate(timeout=60)
        reader.join(5)
        after = ex.clock()
        assert proc.returncode == 0, said
        failed = [line for line in said if "store write failed" in line]
        assert len(failed) == 1, said  # said once, not at every retry
        recovered = [line for line in said if "store writes work again" in line]
        assert len(recovered) == 1 and int(recovered[0].split(": ")[1].split(" ")[0]) >= 30, said
        # every candle that closed during the run, those kept through the full disk too: row by row, indicators too
        check_run(data, out, before, after)


def test_a_store_given_up_by_duckdb_after_a_failed_checkpoint_is_opened_again(tmp_path: Path) -> None:
    """A checkpoint that fails for want of space invalidates DuckDB's database: every later call fails until the
    file is opened again, which the store does by itself; nothing committed before is lost."""
    candles = read_kline_file(VISION_ZIPS[0])
    with tmpfs(tmp_path / "disk", "8m") as disk:
        store = Store.open(disk / "data")
        store.bound_memory()  # as record does; the connection opened again must get it too
        bounded = store.query("SELECT current_setting('memory_limit')")
        store.query("SET checkpoint_threshold = '1KB'")  # checkpoint at every commit, as past 16 MB of journal
        assert store.upsert(KEY, candles[:600]) == 600
        filler = fill(disk)
        with open(filler, "r+b") as f:  # room for a journal entry, none for a checkpoint's blocks
            f.truncate(f.seek(0, os.SEEK_END) - 128 * 1024)
        with pytest.raises(StoreError, match=r"the disk holding .* is full"):
            store.upsert(KEY, candles[600:700])
        filler.unlink()
        assert store.upsert(KEY, candles[600:]) == 840  # opened again, then written
        assert store.query("SELECT current_setting('memory_limit')") == bounded
        assert store.load_candles(KEY) == candles
        store.close()
        with Store.open(disk / "data", read_only=True) as again:
            columns = again.load_columns(KEY)
            assert np.array_equal(columns["open_time"], [c.open_time for c in candles])


@pytest.mark.parametrize("fmt", ["csv", "parquet", "json"])
def test_an_export_to_a_full_disk_is_one_line_and_leaves_no_file(tmp_path: Path, fmt: str) -> None:
    data = tmp_path / "data"
    assert run_cli("import", *VISION_ZIPS, "--data-dir", data).returncode == 0
    with tmpfs(tmp_path / "disk", "200k") as disk:
        out = disk / f"out.{fmt}"
        line = one_line(run_cli("export", "BTCUSDT", "-i", "1m", "--format", fmt, "-o", out, "--data-dir", data))
        full = "the disk is full (No space left on device); free some space or write elsewhere"
        assert line == f"tuichart: cannot write {out}: {full}"
        assert list(disk.iterdir()) == []
