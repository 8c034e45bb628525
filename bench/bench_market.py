"""Market benchmark: `tuichart record --all` of a synthetic market of 2,000 symbols at 1m and 1h (4,000 kline
streams on four connections), pushed at Binance's cadence (a stream about every 2 s: ~2,000 messages a second).

Two runs of BENCH_MARKET_SECONDS each (default 60; the issue's figure is 10 minutes): at real time, the recorder's
CPU and memory beside a client that only receives the same streams; at 60x (a 1m candle closes every second, 2,000
closes a second), its store compared row by row with the exchange's own candles. Then a restart after 1,000 hours
down: the first backfill of every series, beside the floor the weight budget sets and the exchange's serving time.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
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
from tests.e2e.terminal import Terminal  # noqa: E402
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
    with (
        tempfile.TemporaryDirectory() as tmp,
        exchange_process("--synthetic-market", SYMBOLS, "--speed", speed, "--seed", 1, "--weight-limit", 10**6) as ex,
    ):
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
        floor = receive_floor(ex.url, seconds * 0.7) if speed == 1 else 0.0
        totals = re.search(r"(\d+) closed candles? recorded.*?(\d+) candles? missing", out)
        rows, lost, doubled, differing = compare(ex.url, data, end)
    return {
        "cpu": cpu,
        "floor": floor,
        "rss": peak,
        "recorded": float(totals.group(1)) if totals else -1.0,
        "missing": float(totals.group(2)) if totals else -1.0,
        "rows": rows,
        "lost": lost,
        "doubled": doubled,
        "differing": differing,
        "exit": float(proc.returncode or ("Traceback" in err)),
    }


def bench_first_backfill(candles: int = 1000, sample: int = 10) -> dict[str, float]:
    """`record --all -i 1h` starting on a store whose every series stopped `candles` hours ago (one candle stored):
    its wall seconds to fetch and write what each lacks, the floor the exchange's announced weight budget sets for
    those pages, and the exchange's own time to serve them (a client fetching one series in `sample`, scaled up)."""
    with tempfile.TemporaryDirectory() as tmp, exchange_process("--synthetic-market", SYMBOLS, "--seed", 1) as ex:
        data = Path(tmp) / "data"
        with httpx.Client(base_url=ex.url, timeout=60) as client:
            info = client.get("/api/v3/exchangeInfo").json()
            symbols = [s["symbol"] for s in info["symbols"] if s["status"] == "TRADING"]
            last = Interval.H1.open_time(ex.clock()) - 3_600_000 * candles  # the newest closed, `candles` back
            with Store.open(data) as store:
                one = synthetic_columns(1)
                for symbol in symbols:
                    at = np.array([last], dtype=np.int64)
                    store.upsert_columns(
                        SeriesKey(symbol, Interval.H1), {**one, "open_time": at, "close_time": at + 3_599_999}
                    )
            t0 = time.monotonic()
            for symbol in symbols[::sample]:
                client.get(
                    "/api/v3/klines", params={"symbol": symbol, "interval": "1h", "startTime": last, "limit": 1000}
                )
            serving = (time.monotonic() - t0) * len(symbols) / len(symbols[::sample])
        command = ["record", "--all", "--quote", QUOTES, "-i", "1h", "--max-backfill", str(candles), "--no-serve"]
        command += ["--duration", "1", "--exchange", ex.url, "--data-dir", str(data)]
        t0 = time.monotonic()
        env = {**os.environ, "NO_COLOR": "1"}
        proc = subprocess.Popen(
            [sys.executable, "-m", "tuichart", *command],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        stdout = proc.stdout.read() if proc.stdout is not None else ""
        _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak RSS
        proc.returncode = os.waitstatus_to_exitcode(status)
        wall = time.monotonic() - t0
    weight = next(r for r in info["rateLimits"] if r["rateLimitType"] == "REQUEST_WEIGHT")
    window = weight["intervalNum"] * {"SECOND": 1, "MINUTE": 60, "DAY": 86_400}[weight["interval"]]
    recorded = re.search(r"(\d+) closed candles? recorded", stdout)
    return {
        "wall": wall,
        "floor": len(symbols) * 2 / weight["limit"] * window,  # one page of klines each, weighing 2
        "serving": serving,
        "series": len(symbols),
        "candles": float(recorded.group(1)) if recorded else -1.0,
        "exit": float(proc.returncode),
        "rss": usage.ru_maxrss / 1024,
    }


def bench_attached_scan(seconds: float, history: int = 100) -> tuple[float, int]:
    """(CPU % of one core, rows shown) of the app attached to a `record --all` of the whole market at 1h, showing the
    scan of its first symbol's quote asset (read from the recorder every 5 s) for `seconds`."""
    with tempfile.TemporaryDirectory() as d, exchange_process("--synthetic-market", SYMBOLS, "--seed", 1) as ex:
        tmp = Path(d)
        data = tmp / "data"
        with httpx.Client(base_url=ex.url, timeout=60) as client:
            info = client.get("/api/v3/exchangeInfo").json()
        symbols = [s["symbol"] for s in info["symbols"] if s["status"] == "TRADING"]
        newest = Interval.H1.open_time(ex.clock()) - 3_600_000
        opens = newest - np.arange(history, dtype=np.int64)[::-1] * 3_600_000
        with Store.open(data) as store:  # a history to scan, up to the newest closed candle: nothing to backfill
            base = synthetic_columns(history)
            for symbol in symbols:
                columns = {**base, "open_time": opens, "close_time": opens + 3_599_999}
                store.upsert_columns(SeriesKey(symbol, Interval.H1), columns)
        env = {**os.environ, "XDG_STATE_HOME": str(tmp / "state"), "TUICHART_CONFIG": str(tmp / "config.toml")}
        command = ["record", "--all", "--quote", QUOTES, "-i", "1h", "--max-backfill", "1", "--exchange", ex.url]
        recorder = subprocess.Popen(
            [sys.executable, "-m", "tuichart", *command, "--data-dir", str(data)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert recorder.stderr is not None
        term = Terminal(tmp, 200, 50)
        try:
            while not (line := recorder.stderr.readline()).startswith("recording "):
                assert line, "the recorder ended before it started recording"
            term.start(
                [symbols[0], "-i", "1h", "--data-dir", str(data)],
                {**env, "TERM": "xterm-256color", "COLORTERM": "truecolor"},
            )
            term.wait(lambda s: "via recorder" in s and " O " in s, timeout=60, what="the attached chart")
            term.keys("S")
            term.wait(lambda s: re.search(r"Market scan .* [1-9]\d* symbols", s) is not None, timeout=60)
            pid = term.app_pid()
            time.sleep(6)  # past one more read of the scan
            screen = term.screen()
            c0, t0 = cpu_seconds(pid), time.monotonic()
            time.sleep(seconds)
            cpu = (cpu_seconds(pid) - c0) / (time.monotonic() - t0) * 100
        finally:
            term.keys("escape")
            term.keys("q")
            term.close()
            recorder.send_signal(signal.SIGINT)
            recorder.communicate(timeout=120)
    shown = re.search(r"Market scan .* (\d+) symbols", screen)
    return cpu, int(shown.group(1)) if shown else 0


def receive_floor(url: str, seconds: float) -> float:
    """CPU % of one core a client takes to only receive the same streams (`receive_floor.py`, its own process)."""
    script = ROOT / "bench" / "receive_floor.py"
    out = subprocess.run([sys.executable, str(script), url, str(seconds)], capture_output=True, text=True, check=True)
    return float(out.stdout.split()[0])


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


def bench_import_floor() -> float:
    """Median wall seconds of a Python that only imports what every scan computes with: NumPy, DuckDB, TA-Lib."""
    code = "import numpy, duckdb; from tuichart.indicators.talib_module import load_talib; load_talib()"
    times = []
    for _ in range(3):
        t0 = time.monotonic()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.monotonic() - t0)
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
    first = bench_first_backfill()
    attached, rows = bench_attached_scan(seconds / 2)
    name = f"record --all, {SYMBOLS} symbols x 1m,1h"
    scan, libraries, screen = bench_scan(), bench_import_floor(), bench_scan_screen()
    return [
        ("NumPy, DuckDB, TA-Lib imported, nothing done (LI)", f"{libraries:.2f} s", "(anchor)", "a scan's start"),
        (
            f"tuichart scan, {SYMBOLS} stored 1h series",
            f"{scan:.2f} s",
            "<= 1 s",
            f"{_x(1, scan)}, {scan / libraries:.1f}x LI",
        ),
        (f"scan screen, {SYMBOLS} rows: refresh", f"{screen * 1000:.1f} ms", "<= 30 ms", f"{0.03 / screen:.2f}x goal"),
        (f"{name}: receive alone (RA)", f"{live['floor']:.1f} %", "(anchor)", "the websocket library, no work"),
        (f"{name}: CPU", f"{live['cpu']:.1f} %", "<= 15 %", f"{15 / max(live['cpu'], 1e-9):.2f}x goal, {_ra(live)}"),
        (f"{name}: RSS", f"{live['rss']:.0f} MB", "<= 300 MB", f"{300 / max(live['rss'], 1e-9):.2f}x goal"),
        (f"app attached to a 1h recorder, scan of {rows} rows: CPU", f"{attached:.1f} %", "<= 5 %", _x(5, attached)),
        (f"{name}, {SPEED}x: CPU, RSS", f"{fast['cpu']:.0f} %, {fast['rss']:.0f} MB", "(2,000 closes/s)", ""),
        (f"{name}, {SPEED}x, {seconds:g} s: store", _verdict(fast), "0 lost, 0 duplicated", _checked(fast)),
        (
            f"first backfill, {first['series']:.0f} series x 1,000 1h: weight floor (WF)",
            f"{first['floor']:.0f} s",
            "(anchor)",
            "the exchange's announced budget, 2 a page",
        ),
        (
            "first backfill: the exchange serving those pages alone (EX)",
            f"{first['serving']:.0f} s",
            "(anchor)",
            "one client, one page at a time",
        ),
        (
            "first backfill: record --all",
            f"{first['wall']:.0f} s",
            "<= 1.2x WF",
            f"{1.2 * first['floor'] / first['wall']:.2f}x goal, {first['wall'] / first['serving']:.2f}x EX; "
            f"{first['candles']:,.0f} candles, exit {first['exit']:.0f}",
        ),
        ("first backfill: record --all, peak RSS", f"{first['rss']:.0f} MB", "<= 300 MB", _x(300, first["rss"])),
    ]


def _x(goal: float, measured: float) -> str:
    return f"{goal / max(measured, 1e-9):.2f}x goal"


def _ra(r: dict[str, float]) -> str:
    return f"{r['cpu'] / max(r['floor'], 1e-9):.2f}x RA"


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
