"""The real `tuichart` in a real terminal (tmux) against a `tuichart exchange` process: keys in, screen out."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.cli.helpers import run_cli
from tests.e2e.harness import exchange_process
from tests.e2e.terminal import Terminal
from tuichart.store import STORE_FILE

SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    term = Terminal(tmp_path)
    try:
        yield term
    finally:
        term.close()


def header(screen: str) -> str:
    """The legend's first line: symbol and interval of the chart shown."""
    for line in screen.splitlines():
        m = re.search(r"\b([A-Z]{5,})\s+(1s|1m|3m|5m|15m|30m|1h|2h|4h|6h|8h|12h|1d|3d|1w|1M)\s+\d{4}-\d\d-\d\d", line)
        if m:
            return f"{m.group(1)} {m.group(2)}"
    return ""


def stored(screen: str) -> int:
    """The status bar's count of candles stored for the chart shown."""
    m = re.search(r"([\d,]+) candles? stored", screen)
    return int(m.group(1).replace(",", "")) if m else 0


def test_watch_switch_and_quit(tmp_path: Path, terminal: Terminal) -> None:
    with exchange_process("--synthetic", *SYMBOLS, "--seed", "5", "--speed", "30") as ex:
        env = {
            "TERM": "xterm-256color",
            "COLORTERM": "truecolor",
            "TUICHART_CONFIG": str(tmp_path / "config.toml"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
        }
        terminal.start([*SYMBOLS, "--exchange", ex.url, "--data-dir", str(tmp_path / "data")], env)

        screen = terminal.wait(lambda s: header(s) == "BTCUSDT 1m" and "live" in s, what="the BTCUSDT chart, live")
        for sym in SYMBOLS:  # the watchlist: each symbol with a price
            assert re.search(rf"{sym}\s+[\d,]+\.\d+", screen), screen
        assert "Quit" in screen and "Help" in screen  # the key footer

        terminal.keys("j")
        # its history filled in from the exchange (moving on sooner cancels the fill-in, by design)
        terminal.wait(lambda s: header(s) == "ETHUSDT 1m" and stored(s) > 100, what="the ETHUSDT chart, filled in")
        terminal.keys("Down")
        terminal.wait(lambda s: header(s) == "SOLUSDT 1m", what="the SOLUSDT chart")
        terminal.keys("5")
        terminal.wait(lambda s: header(s) == "SOLUSDT 1h", what="the 1h chart")
        terminal.keys("[")
        terminal.wait(lambda s: header(s) == "SOLUSDT 30m", what="the 30m chart")
        maps = Path(f"/proc/{terminal.app_pid()}/maps").read_text()
        for heavy in ("polars", "pyarrow", "aiohttp"):  # the app's memory and start-up goals depend on it
            assert heavy not in maps, f"the running app loaded {heavy}"

        terminal.keys("q")
        assert terminal.exit_status() == 0
        assert "Traceback" not in terminal.screen()

    saved = tomllib.loads((tmp_path / "config.toml").read_text())
    assert saved == {
        "interval": "30m"
    }  # the interval chosen with keys; symbols typed on the command line are for this run
    con = duckdb.connect(str(tmp_path / "data" / STORE_FILE), read_only=True)
    counts = dict(con.execute("SELECT symbol, count(*) FROM klines WHERE interval = '1m' GROUP BY symbol").fetchall())
    con.close()
    assert set(counts) == set(SYMBOLS) and min(counts.values()) > 100  # history was stored for every symbol


def test_the_app_fills_the_terminal_whatever_columns_says(tmp_path: Path, terminal: Terminal) -> None:
    with exchange_process("--synthetic", *SYMBOLS, "--seed", "5") as ex:
        env = {
            "TERM": "xterm-256color",
            "COLUMNS": "80",  # exported by some shells and `docker exec`, and stale after any resize
            "LINES": "24",
            "TUICHART_CONFIG": str(tmp_path / "config.toml"),
            "XDG_STATE_HOME": str(tmp_path / "state"),
        }
        terminal.start([*SYMBOLS, "--exchange", ex.url, "--data-dir", str(tmp_path / "data")], env)
        screen = terminal.wait(lambda s: "candles stored" in s and "live" in s, what="the status bar, live")
        lines = screen.splitlines()
        status = next(line for line in lines if "candles stored" in line)
        assert status.rstrip().endswith("store read-write"), status  # whole
        assert len(lines) == terminal.height and "Quit" in lines[-1]  # the footer on the pane's last row
        footer = lines[-1].rstrip()
        assert footer.endswith("palette") and len(footer) > terminal.width - 5, footer  # at the right edge
        terminal.keys("q")
        assert terminal.exit_status() == 0


def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, terminal: Terminal) -> None:
    with exchange_process("--synthetic", *SYMBOLS, "--seed", "5") as ex:
        env = {"TERM": "xterm-256color", "TUICHART_CONFIG": str(tmp_path / "c.toml"), "XDG_STATE_HOME": str(tmp_path)}
        terminal.start(["BTCUSDT", "NOPEUSDT", "--exchange", ex.url, "--data-dir", str(tmp_path / "data")], env)
        assert terminal.exit_status() == 2
        screen = terminal.screen()
        assert "unknown or not trading symbol 'NOPEUSDT'" in screen and "Traceback" not in screen
        assert not (tmp_path / "data").exists()  # checked before the store is opened (or made)

    no_tty = run_cli("BTCUSDT", "--data-dir", tmp_path / "data")  # stdin and stdout are pipes here
    assert no_tty.returncode == 2
    assert no_tty.stderr.strip().splitlines() == [
        "tuichart: the app needs a terminal; for headless use try `tuichart record` (see --help)"
    ]
    for args, message in ((["--fps", "0"], "--fps must be between 0 and 60"), (["-i", "2m"], "unknown interval")):
        bad = run_cli("BTCUSDT", *args, "--data-dir", tmp_path / "data")
        assert bad.returncode == 2 and message in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
