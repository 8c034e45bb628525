"""`tuichart exchange --replay` + `tuichart record`: exactly the candles that closed, with and without faults."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np
import talib

from tests.data_paths import VISION_ZIPS
from tests.e2e.harness import (
    SourceRow,
    StoredRow,
    config_file,
    exact,
    exchange_process,
    kinds_spec,
    parse_span,
    tuichart,
)
from tuichart.binance.vision import read_kline_file
from tuichart.domain import MINUTE_MS
from tuichart.exchange.faults import CONNECTION_KINDS, HOSTILE_KINDS
from tuichart.store import STORE_FILE

SPEED = 600  # a 1m candle lasts 100 ms
WALL_MS_PER_CANDLE = MINUTE_MS / SPEED


def source() -> dict[int, SourceRow]:
    rows: dict[int, SourceRow] = {}
    for z in VISION_ZIPS:
        for c in read_kline_file(z):
            rows[c.open_time] = (
                exact(c, "open"),
                exact(c, "high"),
                exact(c, "low"),
                exact(c, "close"),
                exact(c, "volume"),
                c.close_time,
                exact(c, "quote_volume"),
                c.trades,
                exact(c, "taker_buy_volume"),
                exact(c, "taker_buy_quote_volume"),
            )
    return rows


def stored(data: Path) -> list[StoredRow]:
    con = duckdb.connect(str(data / STORE_FILE), read_only=True)
    rows = con.execute(
        "SELECT epoch_ms(open_time), open, high, low, close, volume, epoch_ms(close_time), quote_volume, trades, "
        "taker_buy_volume, taker_buy_quote_volume FROM klines WHERE symbol = 'BTCUSDT' AND interval = '1m' "
        "ORDER BY open_time"
    ).fetchall()
    con.close()
    return rows


def check_run(data: Path, stdout: str, before: int, after: int) -> int:
    """The store equals the source over the recorded span, which covers the run; returns the candle count."""
    count, first, last = parse_span(stdout, "BTCUSDT 1m")
    rows = stored(data)
    src = source()
    assert len(rows) == len({r[0] for r in rows})
    assert [r[0] for r in rows] == list(range(first, last + MINUTE_MS, MINUTE_MS)), "not contiguous"
    for r in rows:
        assert r[1:] == src[r[0]], f"candle {r[0]} differs from the source"
    assert first >= before - MINUTE_MS, "recorded a candle that closed before the run"
    assert first <= before + 30 * MINUTE_MS, "missed the first candles of the run"  # start-up takes < 3 s wall
    assert last + MINUTE_MS - 1 <= after, "recorded a candle that had not closed"
    assert last >= after - 40 * MINUTE_MS, "missed the last candles of the run"
    check_indicators(data)
    return count


def check_indicators(data: Path) -> None:
    """Every recorded candle has its indicator row, equal to TA-Lib over the stored candles."""
    con = duckdb.connect(str(data / STORE_FILE), read_only=True)
    frame = con.sql("SELECT * FROM ohlc_data WHERE symbol = 'BTCUSDT' AND interval = '1m' ORDER BY timestamp").pl()
    missing = con.execute("SELECT count(*) FROM klines k ANTI JOIN indicators i USING (symbol, interval, open_time)")
    assert missing.fetchone() == (0,)
    con.close()
    close = frame["close"].to_numpy()
    expected = {
        "ema_12": talib.EMA(close, 12),
        "rsi": talib.RSI(close, 14),
        "macd_signal": talib.MACD(close, 12, 26, 9)[1],
        "bb_lower": talib.BBANDS(close, 20, 2.0, 2.0, talib.MA_Type.SMA)[2],
        "stoch_d": talib.STOCHF(frame["high"].to_numpy(), frame["low"].to_numpy(), close, 14, 3, talib.MA_Type.SMA)[1],
    }
    for name, want in expected.items():
        got = frame[name].fill_null(float("nan")).to_numpy()
        assert np.array_equal(np.isnan(got), np.isnan(want)), name
        ok = ~np.isnan(want)
        tol = 1e-9 if name in ("rsi", "stoch_d") else 1e-9 * close[ok]
        assert np.all(np.abs(got[ok] - want[ok]) <= tol), name


def test_record_stores_exactly_the_closed_candles(tmp_path: Path) -> None:
    with exchange_process("--replay", *VISION_ZIPS, "--speed", SPEED) as ex:
        before = ex.clock()
        r = tuichart(
            "record", "BTCUSDT", "-i", "1m", "--duration", "6", "--exchange", ex.url, "--data-dir", tmp_path / "data"
        )
        after = ex.clock()
    assert r.returncode == 0, r.stderr
    n = check_run(tmp_path / "data", r.stdout, before, after)
    assert n >= 6000 / WALL_MS_PER_CANDLE * 0.8
    assert "0 reconnects" in r.stdout


@dataclass
class FaultRun:
    """A record run against a replay exchange injecting faults, with what each side printed."""

    result: subprocess.CompletedProcess[str]
    before: int
    after: int
    injected: dict[str, int]
    sent: dict[str, int]
    """Hostile frames that reached a socket ("unsound klines", "malformed frames")."""


def record_under_faults(tmp_path: Path, kinds: Sequence[str], each: int, spacing: float, seconds: int) -> FaultRun:
    """Record BTCUSDT 1m for `seconds` while the exchange fires every kind `each` times, with fast retries."""
    spec = kinds_spec(kinds, each=each, start=1.5, spacing=spacing) + ",retry_after=1"
    cfg = config_file(
        tmp_path, {"reconnect_initial": 0.02, "reconnect_cap": 0.2, "silence_timeout": 0.25, "retry_scale": 0.01}
    )
    with exchange_process("--replay", *VISION_ZIPS, "--speed", SPEED, "--faults", spec) as ex:
        before = ex.clock()
        r = tuichart(
            "record", "BTCUSDT", "-i", "1m", "--duration", str(seconds), "--exchange", ex.url,
            "--data-dir", tmp_path / "data", env={"TUICHART_CONFIG": str(cfg)},
        )  # fmt: skip
        after = ex.clock()
        printed = ex.stop()
    assert r.returncode == 0, r.stderr[-2000:]
    injected = {k: int(n) for k, n in re.findall(r"(\w+) (\d+)", line_after(printed, "faults injected:"))}
    assert set(injected) == set(kinds) and min(injected.values()) >= each, injected
    sent = {k: int(n) for n, k in re.findall(r"(\d+) ([a-z ]+)", line_after(printed, "hostile frames sent:"))}
    return FaultRun(r, before, after, injected, sent)


def line_after(text: str, label: str) -> str:
    """The rest of the line that starts with `label` (empty when there is none)."""
    m = re.search(rf"^{re.escape(label)}(.*)$", text, re.M)
    return m.group(1) if m else ""


def test_record_through_every_fault_kind_twenty_times(tmp_path: Path) -> None:
    run = record_under_faults(tmp_path, CONNECTION_KINDS, each=20, spacing=0.15, seconds=26)
    check_run(tmp_path / "data", run.result.stdout, run.before, run.after)
    reconnects = int(re.search(r"(\d+) reconnects?\b", run.result.stdout).group(1))  # type: ignore[union-attr]
    assert reconnects >= 50


def test_record_refuses_hostile_input_and_loses_nothing(tmp_path: Path) -> None:
    """Malformed frames, future-dated, NaN, negative and unsubscribed klines, 1011 closes, 418 bans, HTML answers
    and bursts of 503s: none of it is stored, none of it stops the run, and every real candle is there."""
    run = record_under_faults(tmp_path, HOSTILE_KINDS, each=5, spacing=0.3, seconds=17)
    check_run(tmp_path / "data", run.result.stdout, run.before, run.after)  # row by row: none missing or different
    con = duckdb.connect(str(tmp_path / "data" / STORE_FILE), read_only=True)
    assert con.execute("SELECT DISTINCT symbol FROM klines").fetchall() == [("BTCUSDT",)]
    assert con.execute(
        "SELECT count(*) FROM klines WHERE low < 0 OR open_time > make_timestamp(? * 1000)", [run.after]
    ).fetchone() == (0,)
    con.close()
    refused = re.search(r"(\d+) unsound klines? refused, (\d+) malformed frames? dropped", run.result.stdout)
    assert refused, run.result.stdout
    # every hostile frame that reached the recorder (a fault fired while it reconnects reaches no one) is counted
    assert run.sent["unsound klines"] >= 10 and run.sent["malformed frames"] >= 4, run.sent
    assert (int(refused.group(1)), int(refused.group(2))) == (run.sent["unsound klines"], run.sent["malformed frames"])


def test_ctrl_c_keeps_the_store_consistent(tmp_path: Path) -> None:
    import signal
    import sys
    import time

    data = tmp_path / "data"
    with exchange_process("--replay", *VISION_ZIPS, "--speed", SPEED) as ex:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tuichart", "record", "BTCUSDT", "--exchange", ex.url, "--data-dir", str(data)],
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(4)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted; everything written so far is kept" in err and "Traceback" not in err
    rows = stored(data)
    src = source()
    assert len(rows) >= 10
    assert [r[0] for r in rows] == list(range(rows[0][0], rows[-1][0] + MINUTE_MS, MINUTE_MS))
    assert all(r[1:] == src[r[0]] for r in rows)
    check_indicators(data)


def test_kill_9_on_a_busy_stream_keeps_what_closed_half_a_second_before(tmp_path: Path) -> None:
    """A close every 0.3 s never leaves the writer a quiet half second: it must still write every 0.5 s."""
    import signal
    import sys
    import time

    data = tmp_path / "data"
    with exchange_process("--replay", *VISION_ZIPS, "--speed", "200") as ex:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tuichart", "record", "BTCUSDT", "--exchange", ex.url, "--data-dir", str(data)],
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 30
        while "recording" not in (proc.stderr.readline() if proc.stderr else "") and time.monotonic() < deadline:
            pass
        before = ex.clock()
        time.sleep(6)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        killed_at = ex.clock()
    rows = stored(data)
    src = source()
    closed_before_the_last_second = (killed_at - 200_000 - before) // MINUTE_MS  # one wall second is 200 s here
    assert len(rows) >= closed_before_the_last_second - 2, (len(rows), closed_before_the_last_second)
    assert [r[0] for r in rows] == list(range(rows[0][0], rows[-1][0] + MINUTE_MS, MINUTE_MS))
    assert all(r[1:] == src[r[0]] for r in rows)  # nothing torn: each stored row is the source's row
