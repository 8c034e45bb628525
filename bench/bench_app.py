"""App benchmarks: full redraw, symbol switch, and — with the real CLI in tmux — CPU, start time and memory.

BENCH_CPU_SECONDS (default 60) sets how long the CPU measurement watches the app stream.
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.harness import exchange_process  # noqa: E402
from tests.e2e.terminal import Terminal  # noqa: E402
from tuichart.binance.presets import resolve_exchange  # noqa: E402
from tuichart.domain import Interval, SeriesKey  # noqa: E402
from tuichart.exchange import synthetic_market  # noqa: E402
from tuichart.store import Store  # noqa: E402
from tuichart.tui import AppOptions, TuichartApp, make_app  # noqa: E402
from tuichart.tui.widgets.chart_panel import ChartPanel  # noqa: E402
from tuichart.tui.widgets.panes import ChartPane  # noqa: E402

SYMBOLS_50 = [
    "BTCUSDT",
    "ETHUSDT",
    "SOLUSDT",
    "BNBUSDT",
    "XRPUSDT",
    "DOGEUSDT",
    "ADAUSDT",
    "TRXUSDT",
    "AVAXUSDT",
    "LINKUSDT",
    "DOTUSDT",
    "LTCUSDT",
    "BCHUSDT",
    "NEARUSDT",
    "UNIUSDT",
    "ATOMUSDT",
    "XLMUSDT",
    "ETCUSDT",
    "FILUSDT",
    "APTUSDT",
    "ARBUSDT",
    "OPUSDT",
    "INJUSDT",
    "SUIUSDT",
    "TIAUSDT",
    "SEIUSDT",
    "AAVEUSDT",
    "MKRUSDT",
    "ALGOUSDT",
    "HBARUSDT",
    "ICPUSDT",
    "VETUSDT",
    "SANDUSDT",
    "MANAUSDT",
    "AXSUSDT",
    "GALAUSDT",
    "EGLDUSDT",
    "THETAUSDT",
    "FTMUSDT",
    "RUNEUSDT",
    "KAVAUSDT",
    "CRVUSDT",
    "LDOUSDT",
    "SNXUSDT",
    "COMPUSDT",
    "ENSUSDT",
    "PEPEUSDT",
    "SHIBUSDT",
    "FLOKIUSDT",
    "WIFUSDT",
]
SIZE = (200, 50)


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# ---- in-process: the app under Textual's headless driver at 200x50 ---------------------------------------


def fill_store(store: Store, symbols: list[str], count: int, seed: int) -> None:
    """`count` closed 1m candles per symbol from the synthetic market the exchange process also serves."""
    market = synthetic_market(symbols, seed=seed, history_days=3)
    now = market.clock_ms()
    for sym in symbols:
        key = SeriesKey(sym, Interval.M1)
        candles = market.candles(key, 0, now, now, count + 1, newest=True)[:-1]  # the last is still forming
        store.upsert(key, candles)


async def until(predicate: object, timeout: float = 20.0) -> None:
    """Yield to the app until `predicate()` holds."""
    deadline = time.perf_counter() + timeout
    while not predicate():  # type: ignore[operator]
        if time.perf_counter() > deadline:
            raise TimeoutError("the app did not get there")
        await asyncio.sleep(0.001)


def drawn(app: TuichartApp, key: SeriesKey) -> bool:
    """True once the candle pane shows the newest data of `key`."""
    pane = app.query_one("#pane-candles", ChartPane)
    chart = app.model.charts.get(key)
    drawn_version = app.query_one(ChartPanel).version
    on_screen = chart is not None and app.model.current_key == key
    return on_screen and pane.shown_version == pane.data.version == drawn_version


async def bench_in_process(tmp: Path) -> tuple[float, float, float]:
    """(median full redraw, p50 switch, p95 switch) in seconds."""
    symbols = SYMBOLS_50[:20]
    store = Store.open(tmp / "data")
    # the exchange in its own process, as in real use: in a thread here it would compete for the GIL
    with exchange_process("--synthetic", *symbols, "--seed", "1", "--speed", "1") as ex:
        fill_store(store, symbols, 1000, seed=1)
        options = AppOptions(
            symbols=symbols, interval=Interval.M1, exchange=ex.url, data_dir=tmp / "data", save_choices=False
        )
        app = make_app(options, store, endpoints=resolve_exchange(ex.url))
        async with app.run_test(size=SIZE) as pilot:
            await until(lambda: drawn(app, app.model.current_key) and app.model.status.state == "live")
            await pilot.pause(0.5)
            panes = [p for p in app.query(ChartPane).results(ChartPane) if p.display]
            redraws = []
            for _ in range(30):
                t0 = time.perf_counter()
                app._redraw()
                for pane in panes:
                    pane._drawn_key = None  # a full redraw: every pane rebuilt, none kept as unchanged
                    pane.picture()  # what the screen's render_line calls: plotext build + lines to Strips
                redraws.append(time.perf_counter() - t0)
            switches = []
            # down the list and back: more symbols than cached charts, so each switch loads from the store
            for key in ["j"] * (len(symbols) - 1) + ["k"] * (len(symbols) - 1):
                before = app.model.current_key
                t0 = time.perf_counter()
                app.simulate_key(key)  # as the terminal delivers it; pilot.press would also wait for idle
                await until(lambda b=before: app.model.current_key != b and drawn(app, app.model.current_key))
                switches.append(time.perf_counter() - t0)
                await until(lambda: not any(w.group == "history" and not w.is_finished for w in app.workers))
                await pilot.pause(0.3)  # let the exchange's fill-in redraw finish: switches are timed from idle
    store.close()
    return statistics.median(redraws), percentile(switches, 0.5), percentile(switches, 0.95)


# ---- the real CLI in tmux: CPU, start time, memory --------------------------------------------------------


@contextmanager
def app_in_terminal(tmp: Path, url: str, symbols: list[str], data: Path) -> Iterator[Terminal]:
    """`tuichart SYMBOLS --exchange URL` in a 200x50 tmux pane at the default fps."""
    term = Terminal(tmp, *SIZE)
    env = {
        "TERM": "xterm-256color",
        "COLORTERM": "truecolor",
        "TUICHART_CONFIG": str(tmp / "config.toml"),
        "XDG_STATE_HOME": str(tmp / "state"),
    }
    try:
        term.start([*symbols, "--exchange", url, "--data-dir", str(data)], env)
        yield term
    finally:
        term.keys("q")
        term.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> tuple[float, float, float]:
    """Resident memory of a process in MB: (all, allocated by it, mapped from files such as its libraries).

    The mapped part depends on the page cache as much as on the app: libraries just written by an install are held
    in large pieces that map whole, so a fresh venv reads 10-15 MB more than one whose files were read back from disk.
    """
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    rss, anon, mapped = (int(fields[name].split()[0]) / 1024 for name in ("VmRSS", "RssAnon", "RssFile"))
    return rss, anon, mapped


def live_chart(symbol: str) -> Callable[[str], bool]:
    """A screen predicate: the chart of `symbol` drawn and the feed live."""
    return lambda s: f" {symbol} 1m " in s and "● live" in s and " O " in s


def attached_starts(tmp: Path, url: str, data: Path, symbols: list[str]) -> float:
    """Median start-to-chart s of the app attached to a recorder of `symbols` running on `data`."""
    env = {**os.environ, "XDG_STATE_HOME": str(tmp / "state"), "TUICHART_CONFIG": str(tmp / "config.toml")}
    command = [sys.executable, "-m", "tuichart", "record", *symbols, "-i", "1m", "--exchange", url]
    recorder = subprocess.Popen(
        [*command, "--data-dir", str(data)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env
    )
    assert recorder.stderr is not None
    try:
        line = ""
        while not line.startswith("recording "):
            line = recorder.stderr.readline()
            assert line, "the recorder ended before it started recording"
        starts = []
        for _ in range(3):
            time.sleep(1)
            with app_in_terminal(tmp, url, symbols, data) as term:
                t0 = time.monotonic()
                term.wait(lambda s: " BTCUSDT 1m " in s and " O " in s, timeout=30, what="the first chart")
                starts.append(time.monotonic() - t0)
                assert "via recorder" in term.wait(lambda s: "via recorder" in s, what="the attached status")
    finally:
        recorder.send_signal(signal.SIGINT)
        recorder.communicate(timeout=60)
    return statistics.median(starts)


def bench_terminal(tmp: Path, cpu_window: float) -> tuple[float, float, float, tuple[float, float, float]]:
    """(CPU % of one core over the window with 20 symbols, median start-to-chart s on a warm store, the same
    attached to a recorder, `rss_mb` with 50)."""
    with exchange_process("--synthetic", *SYMBOLS_50, "--seed", "2", "--speed", "1") as ex:
        data = tmp / "data"
        with app_in_terminal(tmp, ex.url, SYMBOLS_50[:20], data) as term:
            term.wait(live_chart("BTCUSDT"), timeout=60, what="the first chart")  # also warms the store
            pid = term.app_pid()
            time.sleep(5)
            c0, t0 = cpu_seconds(pid), time.monotonic()
            time.sleep(cpu_window)
            cpu = (cpu_seconds(pid) - c0) / (time.monotonic() - t0) * 100
        starts = []
        for _ in range(3):
            time.sleep(1)
            with app_in_terminal(tmp, ex.url, SYMBOLS_50[:20], data) as term:
                t0 = time.monotonic()
                term.wait(lambda s: " BTCUSDT 1m " in s and " O " in s, timeout=30, what="the first chart")
                starts.append(time.monotonic() - t0)
        attached = attached_starts(tmp, ex.url, data, SYMBOLS_50[:20])
        with app_in_terminal(tmp, ex.url, SYMBOLS_50, tmp / "data50") as term:
            term.wait(live_chart("BTCUSDT"), timeout=60, what="the first chart")
            time.sleep(10)
            rss = rss_mb(term.app_pid())
    return cpu, statistics.median(starts), attached, rss


def main() -> list[tuple[str, str, str, str]]:
    """Rows of (metric, measured, goal, verdict)."""
    cpu_window = float(os.environ.get("BENCH_CPU_SECONDS", "60"))
    with tempfile.TemporaryDirectory() as d:
        redraw, p50, p95 = asyncio.run(bench_in_process(Path(d)))
    with tempfile.TemporaryDirectory() as d:
        cpu, start, attached, (rss, anon, mapped) = bench_terminal(Path(d), cpu_window)
    return [
        ("full redraw 200x50, all panes", f"{redraw * 1000:.1f} ms", "<= 50 ms", f"{0.05 / redraw:.2f}x goal"),
        (
            "symbol switch to drawn chart (p95)",
            f"{p95 * 1000:.1f} ms",
            "<= 100 ms",
            f"{0.1 / p95:.2f}x goal; p50 {p50 * 1000:.1f} ms",
        ),
        (f"CPU, 20 symbols streaming, {cpu_window:g} s", f"{cpu:.2f} %", "<= 3 %", f"{3 / max(cpu, 1e-9):.2f}x goal"),
        ("start to first chart, warm store", f"{start:.2f} s", "<= 1.0 s", f"{1.0 / start:.2f}x goal"),
        ("start to first chart, attached", f"{attached:.2f} s", "<= 0.5 s", f"{0.5 / attached:.2f}x goal"),
        (
            "RSS with 50 symbols",
            f"{rss:.0f} MB",
            "<= 150 MB",
            f"{150 / rss:.2f}x goal; {anon:.0f} MB allocated, {mapped:.0f} MB mapped from files",
        ),
    ]


if __name__ == "__main__":
    for row in main():
        print(" | ".join(row))
