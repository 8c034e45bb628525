"""Market benchmark: `tuichart record --all` of a synthetic market of 2,000 symbols at 1m and 1h, pushed at
Binance's cadence with the clock at 60x (1m candles close every second), for BENCH_MARKET_SECONDS (default 60;
the issue's figure is a 10-minute run): the recorder's CPU and memory, and its store compared row by row with the
exchange's own candles.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import exchange_process  # noqa: E402
from tests.e2e.test_record_market import as_stored, stored_series, theirs  # noqa: E402

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


def bench_record(seconds: float) -> dict[str, float]:
    """The recorder's CPU % of one core, peak RSS, messages a second, and the comparison."""
    with tempfile.TemporaryDirectory() as tmp, exchange_process(
        "--synthetic-market", SYMBOLS, "--speed", SPEED, "--seed", 1, "--weight-limit", 10**6
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
        c0, t0, peak = cpu_seconds(proc.pid), time.monotonic(), 0.0
        while proc.poll() is None and time.monotonic() - t0 < seconds * 0.7:
            peak = max(peak, rss_mb(proc.pid))
            time.sleep(1)
        cpu = (cpu_seconds(proc.pid) - c0) / (time.monotonic() - t0) * 100
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


def main() -> list[tuple[str, str, str, str]]:
    """Rows of (metric, measured, goal, verdict)."""
    seconds = float(os.environ.get("BENCH_MARKET_SECONDS", "60"))
    r = bench_record(seconds)
    checked = f"{r['rows']:,.0f} rows: {r['lost']:.0f} lost, {r['doubled']:.0f} duplicated, "
    checked += f"{r['differing']:.0f} differing"
    whole = r["lost"] == r["doubled"] == r["differing"] == 0 and r["exit"] == 0
    return rows(seconds, r, checked, whole)


def rows(seconds: float, r: dict[str, float], checked: str, whole: bool) -> list[tuple[str, str, str, str]]:
    """The table rows of one run."""
    name = f"record --all, {SYMBOLS} symbols x 1m,1h at {SPEED}x, {seconds:g} s"
    return [
        (f"{name}: CPU", f"{r['cpu']:.1f} %", "<= 15 %", f"{15 / max(r['cpu'], 1e-9):.2f}x goal"),
        (f"{name}: RSS", f"{r['rss']:.0f} MB", "<= 300 MB", f"{300 / max(r['rss'], 1e-9):.2f}x goal"),
        (f"{name}: store vs exchange", "0 lost" if whole else "LOST", "0 lost, 0 duplicated", checked),
    ]


if __name__ == "__main__":
    for row in main():
        print(" | ".join(row))
