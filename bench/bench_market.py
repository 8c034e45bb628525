"""Market benchmark: `tuichart record --all` of a synthetic market of 2,000 symbols at 1m and 1h (4,000 kline
streams on four connections), pushed at Binance's cadence (a stream about every 2 s: ~2,000 messages a second).

Two runs of BENCH_MARKET_SECONDS each (default 60; the issue's figure is 10 minutes): at real time, the recorder's
CPU and memory; at 60x (a 1m candle closes every second, 2,000 closes a second), its store compared row by row
with the exchange's own candles.
"""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import exchange_process  # noqa: E402
from tests.e2e.test_record_market import as_stored, stored_series, theirs  # noqa: E402
from tuichart.domain import Interval, SeriesKey  # noqa: E402
from tuichart.store import Store  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from bench_spine import synthetic_columns  # noqa: E402

SYMBOLS = 2000
SPEED = 60
QUOTES = "USDT,FDUSD,USDC,BTC,ETH,BNB,TRY,EUR"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def compare(url: str, data: Path, end: int) -> tuple[int, int, int, int]:
    """(candles stored, lost, duplicated, differing) against the exchange's own candles."""
    store = stored_series(data)
    rows = lost = doubled = differing = 0
    with httpx.Client(base_url=url, timeout=60) as client:
        for key, stored in store.items():
            opens = [t for t, _ in stored]
            rows += len(opens)
            doubled += len(opens) - len(set(opens))
            want = {c.open_time: as_stored(c) for c in theirs(client, key, opens[0], opens[-1])}
            got = dict(stored)
            lost += sum(1 for t in want if t not in got and key.interval.close_time(t) < end)
            differing += sum(1 for t, fields in got.items() if want.get(t) != fields)
    return rows, lost, doubled, differing


def bench_record(seconds: float, speed: float) -> dict[str, float]:
    """The recorder's CPU % of one core while streaming, its peak RSS, and its store against the exchange's."""
    with tempfile.TemporaryDirectory() as tmp, exchange_process(
        "--synthetic-market", SYMBOLS, "--speed", speed, "--seed", 1, "--weight-limit", 10**6
    ) as ex:
        data = Path(tmp) / "data"
        command = ["record", "--all", "--quote", QUOTES, "-i", "1m,1h", "--max-backfill", "1"]
        command += ["--duration", str(seconds), "--exchange", ex.url, "--data-dir", str(data)]
        proc = subprocess.Popen(
            [sys.executable, "-m", "tuichart", *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        time.sleep(min(10.0, seconds / 4))  # past the start: the streams subscribed, the first closes written
        c0, t0, peak, cpu = cpu_seconds(proc.pid), time.monotonic(), 0.0, 0.0
        while proc.poll() is None:
            peak = max(peak, rss_mb(proc.pid))
            if time.monotonic() - t0 < seconds * 0.7:  # streaming, not the last backfill and the summary
                cpu = (cpu_seconds(proc.pid) - c0) / max(1e-9, time.monotonic() - t0) * 100
            time.sleep(1)
        out, err = proc.communicate(timeout=seconds + 300)
        end = ex.clock()
        totals = re.search(r"(\d+) closed candles? recorded.*?(\d+) candles? missing", out)
        rows, lost, doubled, differing = compare(ex.url, data, end)
    return {
        "cpu": cpu,
        "rss": peak,
        "recorded": float(totals.group(1)) if totals else -1.0,
        "missing": float(totals.group(2)) if totals else -1.0,
        "rows": rows,
        "lost": lost,
        "doubled": doubled,
        "differing": differing,
        "exit": float(proc.returncode or ("Traceback" in err)),
    }


def bench_scan(symbols: int = SYMBOLS, candles: int = 500) -> float:
    """Median wall seconds of `tuichart scan` (the whole command) over `symbols` stored 1h series of `candles`."""
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        with Store.open(data) as store:
            base = synthetic_columns(candles)
            hour = np.arange(candles, dtype=np.int64) * 3_600_000 + 1_700_000_000_000 // 3_600_000 * 3_600_000
            for n in range(symbols):
                columns = {**base, "open_time": hour, "close_time": hour + 3_599_999}
                columns["close"] = base["close"] * (1 + n / symbols)
                store.upsert_columns(SeriesKey(f"S{n:04d}USDT", Interval.H1), columns)
        times = []
        for _ in range(3):
            t0 = time.monotonic()
            out = subprocess.run(
                [sys.executable, "-m", "tuichart", "scan", "-i", "1h", "--format", "csv", "--data-dir", str(data)],
                capture_output=True,
                text=True,
            )
            times.append(time.monotonic() - t0)
            assert out.returncode == 0 and out.stdout.count("\n") == symbols + 1, out.stderr
    return sorted(times)[1]


def bench_scan_screen(symbols: int = SYMBOLS) -> float:
    """Median seconds of a full refresh of the scan screen with `symbols` rows at 200x50: new rows sorted and drawn."""
    from textual.app import App

    from tuichart.jobs.scan import ScanRow
    from tuichart.tui.model.scan_view import ScanView
    from tuichart.tui.screens.scan import ScanScreen

    rng = np.random.default_rng(4)

    def rows() -> list[ScanRow]:
        values = rng.random((symbols, 7))
        return [
            ScanRow(f"S{n:04d}USDT", 1 + a * 1e4, b * 20 - 10, c * 3, d * 100, e, f - 0.5, g * 100, 500)
            for n, (a, b, c, d, e, f, g) in enumerate(values.tolist())
        ]

    view = ScanView("USDT", Interval.H1)
    times: list[float] = []

    async def run() -> None:
        app: App[None] = App()
        async with app.run_test(size=(200, 50)) as pilot:
            screen = ScanScreen(view)
            await app.push_screen(screen)
            for _ in range(21):
                fresh = rows()
                await pilot.pause()
                t0 = time.process_time()  # the work done, not the pilot's waits
                view.set_rows(fresh)
                screen.show()
                await pilot.pause()  # laid out and drawn
                times.append(time.process_time() - t0)

    asyncio.run(run())
    return sorted(times[1:])[len(times) // 2]


def main() -> list[tuple[str, str, str, str]]:
    """Rows of (metric, measured, goal, verdict)."""
    seconds = float(os.environ.get("BENCH_MARKET_SECONDS", "60"))
    live, fast = bench_record(seconds, 1), bench_record(seconds, SPEED)
    name = f"record --all, {SYMBOLS} symbols x 1m,1h"
    scan, screen = bench_scan(), bench_scan_screen()
    return [
        (f"tuichart scan, {SYMBOLS} stored 1h series", f"{scan:.2f} s", "<= 1 s", f"{1 / scan:.2f}x goal"),
        (f"scan screen, {SYMBOLS} rows: refresh", f"{screen * 1000:.1f} ms", "<= 30 ms", f"{0.03 / screen:.2f}x goal"),
        (f"{name}: CPU", f"{live['cpu']:.1f} %", "<= 15 %", f"{15 / max(live['cpu'], 1e-9):.2f}x goal"),
        (f"{name}: RSS", f"{live['rss']:.0f} MB", "<= 300 MB", f"{300 / max(live['rss'], 1e-9):.2f}x goal"),
        (f"{name}, {SPEED}x: CPU, RSS", f"{fast['cpu']:.0f} %, {fast['rss']:.0f} MB", "(2,000 closes/s)", ""),
        (f"{name}, {SPEED}x, {seconds:g} s: store", _verdict(fast), "0 lost, 0 duplicated", _checked(fast)),
    ]


def _verdict(r: dict[str, float]) -> str:
    return "0 lost" if r["lost"] == r["doubled"] == r["differing"] == 0 and r["exit"] == 0 else "LOST"


def _checked(r: dict[str, float]) -> str:
    return (
        f"{r['rows']:,.0f} rows vs the exchange: {r['lost']:.0f} lost, {r['doubled']:.0f} duplicated, "
        f"{r['differing']:.0f} differing; exit {r['exit']:.0f}"
    )


if __name__ == "__main__":
    for row in main():
        print(" | ".join(row))
