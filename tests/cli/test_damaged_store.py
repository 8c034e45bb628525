"""A damaged store (random bytes inside it, or cut short) stops every command with one line and exit 2, and is never
written; `tuichart store check` reports what it holds."""

from __future__ import annotations

import hashlib
import os
import pty
import random
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.cli.helpers import run_cli
from tests.data_paths import VISION_ZIPS
from tests.e2e.harness import ExchangeProcess, exchange_process
from tuichart.store import STORE_FILE


@pytest.fixture(scope="module")
def sound(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of 4320 candles with their indicators, imported by the CLI."""
    data = tmp_path_factory.mktemp("sound")
    r = run_cli("import", *VISION_ZIPS, "--data-dir", data)
    assert r.returncode == 0, r.stderr
    return data


@pytest.fixture(scope="module")
def exchange() -> Iterator[ExchangeProcess]:
    with exchange_process("--replay", *VISION_ZIPS, "--speed", "600") as ex:
        yield ex


def random_bytes_inside(raw: bytes) -> bytes:
    """64 KiB of random bytes over the middle of the file."""
    middle = len(raw) // 2
    return raw[:middle] + random.Random(7).randbytes(65536) + raw[middle + 65536 :]


def cut_short(raw: bytes) -> bytes:
    """The first half of the file."""
    return raw[: len(raw) // 2]


def run_app(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """The terminal app on a real pseudo-terminal (it refuses to start without one); stderr captured apart."""
    primary, secondary = pty.openpty()
    env = {**os.environ, "NO_COLOR": "1", "TERM": "xterm-256color"}
    env.setdefault("XDG_STATE_HOME", str(Path(env.get("TMPDIR", "/tmp")) / "tuichart-test-logs"))
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tuichart", *map(str, args)],
            stdin=secondary,
            stdout=secondary,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        _, err = proc.communicate(timeout=60)
    finally:
        os.close(secondary)
        os.close(primary)
    return subprocess.CompletedProcess(proc.args, proc.returncode, "", err)


Command = Callable[[Path, str, Path], subprocess.CompletedProcess[str]]

COMMANDS: dict[str, Command] = {
    "app": lambda data, url, out: run_app("--data-dir", data),
    "import": lambda data, url, out: run_cli("import", VISION_ZIPS[0], "--data-dir", data),
    "backfill": lambda data, url, out: run_cli(
        "backfill", "BTCUSDT", "-i", "1m", "--since", "2020-01-01", "--exchange", url, "--data-dir", data
    ),
    "record": lambda data, url, out: run_cli(
        "record", "BTCUSDT", "-i", "1m", "--duration", "3", "--exchange", url, "--data-dir", data
    ),
    "record --demo": lambda data, url, out: run_cli(
        "record", "BTCUSDT", "--demo", "--duration", "3", "--data-dir", data
    ),
    "check": lambda data, url, out: run_cli("check", "BTCUSDT", "-i", "1m", "--exchange", url, "--data-dir", data),
    "check --repair": lambda data, url, out: run_cli(
        "check", "BTCUSDT", "-i", "1m", "--repair", "--exchange", url, "--data-dir", data
    ),
    "export": lambda data, url, out: run_cli("export", "BTCUSDT", "-i", "1m", "-o", out, "--data-dir", data),
    "indicators rebuild": lambda data, url, out: run_cli("indicators", "rebuild", "--data-dir", data),
    "alerts fired": lambda data, url, out: run_cli("alerts", "fired", "--data-dir", data),
    "web": lambda data, url, out: run_cli(
        "web", "BTCUSDT", "-i", "1m", "--exchange", url, "--data-dir", data, env={"BROWSER": "true"}
    ),
    "store check": lambda data, url, out: run_cli("store", "check", "--data-dir", data),
}


@pytest.mark.parametrize("damage", [random_bytes_inside, cut_short], ids=["random-bytes", "cut-short"])
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_refuses_a_damaged_store_and_leaves_it_as_it_was(
    sound: Path, exchange: ExchangeProcess, tmp_path: Path, damage: Callable[[bytes], bytes], command: str
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / STORE_FILE).write_bytes(damage((sound / STORE_FILE).read_bytes()))
    before = hashlib.sha256((data / STORE_FILE).read_bytes()).hexdigest()
    out = tmp_path / "out.csv"
    r = COMMANDS[command](data, exchange.url, out)
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    line = lines[0]
    assert line.startswith(f"tuichart: {data / STORE_FILE} is damaged: "), line
    assert "restore it from an export or a backup, or move it away" in line
    if command != "store check":
        assert f"`tuichart store check --data-dir {data}`" in line and "nothing was written to it" in line
    assert hashlib.sha256((data / STORE_FILE).read_bytes()).hexdigest() == before
    assert sorted(p.name for p in data.iterdir()) == [STORE_FILE]  # no journal (.wal) beside it either
    assert not out.exists()


def test_store_check_reports_a_sound_store(sound: Path) -> None:
    r = run_cli("store", "check", "--data-dir", sound)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    lines = r.stdout.splitlines()
    assert lines[:5] == [
        "alerts_fired: 0 rows, read whole",
        "exchange_gaps: 0 rows, read whole",
        "indicators: 4320 rows, read whole",
        "klines: 4320 rows, read whole",
        "tuichart_meta: 1 row, read whole",
    ]
    assert lines[5] == "series: 1"
    blocks = re.fullmatch(r"blocks: (\d+) of (\d+) checked", lines[6])
    assert blocks and blocks.group(1) == blocks.group(2) and int(blocks.group(1)) >= 5, lines[6]
    assert re.fullmatch(rf"{re.escape(str(sound / STORE_FILE))} is sound \(\d+\.\d MiB\)", lines[7]), lines[7]


def test_store_check_names_the_tables_it_cannot_read(sound: Path, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / STORE_FILE).write_bytes(cut_short((sound / STORE_FILE).read_bytes()))
    r = run_cli("store", "check", "--data-dir", data)
    assert r.returncode == 2
    rows = dict(line.split(": ", 1) for line in r.stdout.splitlines())
    unreadable = [name for name, what in rows.items() if what.startswith("cannot be read: the file is cut short")]
    assert unreadable, r.stdout
    assert re.fullmatch(r"(\d+) of (\d+) checked", rows["blocks"])
    present, total = map(int, re.findall(r"\d+", rows["blocks"]))
    assert present < total
    assert f"table {unreadable[0]} cannot be read" in r.stderr


def test_store_check_without_a_store_says_so(tmp_path: Path) -> None:
    r = run_cli("store", "check", "--data-dir", tmp_path / "none")
    assert r.returncode == 2
    said = f"tuichart: no store in {tmp_path / 'none'} yet: import, backfill or record some candles first"
    assert r.stderr.strip() == said
    assert not (tmp_path / "none").exists()
