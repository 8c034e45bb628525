"""The real `tuichart --demo` in a real terminal (tmux): live on every run, and only ever writing its own files."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import re
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import duckdb

from tests.e2e.terminal import Terminal
from tuichart.store import STORE_FILE

LEGEND = re.compile(r"(BTCUSDT 1m\s+(\d{4}-\d\d-\d\d \d\d:\d\d) \(forming\).*)")
MOVES_WITHIN = 2.0  # seconds: the demo's promise that its chart moves on every run


def legend(screen: str) -> str:
    """The chart's first legend line while it shows BTCUSDT 1m, live (empty otherwise)."""
    m = LEGEND.search(screen)
    return m.group(1).strip() if m and "● live" in screen else ""


def moving_legend(term: Terminal, what: str) -> str:
    """The legend once the chart is live and its forming candle has changed, at most MOVES_WITHIN seconds later."""
    first = legend(term.wait(lambda s: legend(s) != "", timeout=60, what=f"{what}: a live chart"))
    moved = term.wait(lambda s: legend(s) not in ("", first), MOVES_WITHIN, f"{what}: the forming candle to move")
    return legend(moved)


def wall_ms() -> int:
    return int(time.time() * 1000)


def stored(data: Path) -> tuple[int, list[tuple[int, float, float]]]:
    """(newest open time of any stored candle, BTCUSDT 1m candles as (open time, open, close))."""
    con = duckdb.connect(str(data / STORE_FILE), read_only=True)
    try:
        newest = con.execute("SELECT max(epoch_ms(open_time)) FROM klines").fetchone()
        rows = con.execute(
            "SELECT epoch_ms(open_time), open::DOUBLE, close::DOUBLE FROM klines "
            "WHERE symbol = 'BTCUSDT' AND interval = '1m' ORDER BY open_time"
        ).fetchall()
    finally:
        con.close()
    assert newest is not None
    return int(newest[0]), [(int(t), float(o), float(c)) for t, o, c in rows]


def test_demo_restarts_live_and_keeps_to_its_own_files(tmp_path: Path) -> None:
    home, xdg_config, data = tmp_path / "home", tmp_path / "xdg-config", tmp_path / "demo-data"
    env = {
        "TERM": "xterm-256color",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(xdg_config),
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_STATE_HOME": str(tmp_path / "xdg-state"),
    }
    seen: list[str] = []
    for run in range(3):
        term = Terminal(tmp_path)
        try:
            # the real user setup: no TUICHART_CONFIG or TUICHART_DATA_DIR pointing anywhere
            term.start(["--demo", "--data-dir", str(data)], env, unset=("TUICHART_CONFIG", "TUICHART_DATA_DIR"))
            moved = moving_legend(term, f"run {run + 1}")
            seen.append(moved)
            m = LEGEND.search(moved)
            assert m is not None
            shown = dt.datetime.fromisoformat(m.group(2)).replace(tzinfo=dt.UTC)
            assert shown.timestamp() * 1000 <= wall_ms(), moved  # the forming candle is not in the future
            if run == 2:  # change what the app saves: the interval and the watchlist
                term.keys("d")
                term.wait(lambda s: "removed BTCUSDT" in s, what="BTCUSDT removed")
                term.keys("]")
                term.wait(lambda s: re.search(r"ETHUSDT 3m\s+\d{4}", s) is not None, what="the 3m chart")
            term.keys("q")
            assert term.exit_status() == 0
            assert "Traceback" not in term.screen()
        finally:
            term.close()
        newest, btc = stored(data)
        assert newest <= wall_ms()  # no stored candle opens after the wall clock
        assert len(btc) > 1000
        opens = [t for t, _, _ in btc]
        assert opens == list(range(opens[0], opens[-1] + 60_000, 60_000))  # no gap where one run met the next
        assert all(b[1] == a[2] for a, b in itertools.pairwise(btc))  # each candle opens at the last close
        assert btc[-1][0] >= wall_ms() - 10 * 60_000  # the store reaches the present

    assert len(set(seen)) == 3
    # the demo's choices are in its own config, beside its store; the user's config was never written
    assert tomllib.loads((data / "config.toml").read_text()) == {
        "watchlist": ["ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "DOGEUSDT"],
        "interval": "3m",
    }
    assert not xdg_config.exists()
    assert not (home / ".config").exists()
    assert (data / STORE_FILE).exists() and not (tmp_path / "xdg-data" / "tuichart" / STORE_FILE).exists()


def test_demo_without_data_dir_uses_a_demo_dir_of_its_own(tmp_path: Path) -> None:
    xdg_data, xdg_config = tmp_path / "xdg-data", tmp_path / "xdg-config"
    user = xdg_data / "tuichart" / STORE_FILE
    env = {k: v for k, v in os.environ.items() if k not in ("TUICHART_CONFIG", "TUICHART_DATA_DIR")}
    env |= {
        "NO_COLOR": "1",
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(xdg_data),
        "XDG_CONFIG_HOME": str(xdg_config),
        "XDG_STATE_HOME": str(tmp_path / "xdg-state"),
    }
    record = [sys.executable, "-m", "tuichart", "record", "--demo", "BTCUSDT", "-i", "1s", "--duration", "3"]
    out = subprocess.run(record, capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr
    demo = xdg_data / "tuichart" / "demo"
    assert f"into {demo}" in out.stdout + out.stderr
    newest, _ = stored(demo)
    assert 0 < wall_ms() - newest < 60_000  # 1s candles of the last seconds, none ahead of the clock
    assert not user.exists() and not xdg_config.exists()

    (demo / "config.toml").write_text('hidden_panes = ["nope"]\n')  # a mistake in the demo's config names its file
    bad = subprocess.run(record, capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 2
    (line,) = bad.stderr.strip().splitlines()
    assert str(demo / "config.toml") in line and "nope" in line
