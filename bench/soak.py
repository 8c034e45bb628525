"""`make soak`: `tuichart record` of many symbols against the embedded exchange for half an hour, memory sampled.

Fails unless the recorder's RSS after the settling minute stays within the tolerance of that minute's value,
and unless the store then equals the exchange's own candles row by row (none missing, duplicated or differing).
The store starts with 600 candles of each symbol, as a restarted recorder's does; from an empty one (`--fresh`)
memory rises until each series holds its indicators' 500 candles (minute 8 at 60x). `--minutes 3` is short.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import duckdb
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.harness import exchange_process, parse_span
from tuichart.domain import MINUTE_MS
from tuichart.store import STORE_FILE

Row = tuple[object, ...]
HISTORY = 600  # candles of each symbol in the store before recording: more than the indicators' warm-up


@dataclass(frozen=True, slots=True)
class Sample:
    """The recorder process at one minute."""

    minute: int
    rss_mb: float
    fds: int
    threads: int


def sample(pid: int, minute: int) -> Sample:
    """RSS, open file descriptors and threads of a running process, from /proc."""
    status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    fds = len(list(Path(f"/proc/{pid}/fd").iterdir()))
    return Sample(minute, int(status["VmRSS"].split()[0]) / 1024, fds, int(status["Threads"]))


def memory_verdict(samples: list[Sample], settle: int, tolerance: float) -> tuple[bool, str]:
    """Whether every sample after minute `settle` stays within `tolerance` of that minute's RSS."""
    ref = next((s for s in samples if s.minute == settle), None)
    later = [s for s in samples if s.minute > settle]
    if ref is None or not later:
        return True, f"memory: too short to judge (no sample after minute {settle})"
    worst = max(later, key=lambda s: abs(s.rss_mb - ref.rss_mb))
    drift = (worst.rss_mb - ref.rss_mb) / ref.rss_mb
    ok = abs(drift) <= tolerance
    line = (
        f"memory: minute {settle} {ref.rss_mb:.1f} MB, after it {min(s.rss_mb for s in later):.1f} .. "
        f"{max(s.rss_mb for s in later):.1f} MB, worst drift {drift:+.1%} at minute {worst.minute} "
        f"(limit ±{tolerance:.0%}): {'ok' if ok else 'FAILED'}"
    )
    return ok, line


def exchange_rows(url: str, symbol: str, first: int, last: int) -> list[Row]:
    """The exchange's own closed 1m klines with open times in [first, last], as (open_time, values...)."""
    rows: list[Row] = []
    start = first
    with httpx.Client(base_url=url, timeout=30) as client:
        while start <= last:
            params: dict[str, str | int] = {
                "symbol": symbol,
                "interval": "1m",
                "startTime": start,
                "endTime": last,
                "limit": 1000,
            }
            page = client.get("/api/v3/klines", params=params).raise_for_status().json()
            if not page:
                break
            for k in page:
                rows.append((k[0], *map(Decimal, k[1:6]), k[6], Decimal(k[7]), k[8], Decimal(k[9]), Decimal(k[10])))
            start = page[-1][0] + MINUTE_MS
    return rows


def stored_rows(data: Path, symbol: str) -> list[Row]:
    """The store's 1m klines of a symbol, oldest first, in the exchange rows' layout."""
    with duckdb.connect(str(data / STORE_FILE), read_only=True) as con:
        return con.execute(
            "SELECT epoch_ms(open_time), open, high, low, close, volume, epoch_ms(close_time), quote_volume, trades, "
            "taker_buy_volume, taker_buy_quote_volume FROM klines WHERE symbol = ? AND interval = '1m' "
            "ORDER BY open_time",
            [symbol],
        ).fetchall()


def compare(
    url: str, data: Path, summary: str, symbols: list[str], before: int, after: int, speed: float
) -> tuple[bool, str]:
    """Row by row, each symbol's stored candles against the exchange's over the span the run recorded."""
    missing = duplicated = differing = candles = short = 0
    start_slack, end_slack = int(15_000 * speed), int(30_000 * speed)  # start-up and shut-down, in market time
    for symbol in symbols:
        _, first, last = parse_span(summary, f"{symbol} 1m")
        if first > before + start_slack or last < after - end_slack:
            short += 1  # the span does not cover the run: its first or last minutes were never recorded
        theirs = {r[0]: r[1:] for r in exchange_rows(url, symbol, first, last)}
        mine = stored_rows(data, symbol)
        opens = [r[0] for r in mine]
        duplicated += len(opens) - len(set(opens))
        ours = {r[0]: r[1:] for r in mine}
        missing += len(theirs.keys() - ours.keys())
        differing += sum(1 for t, values in theirs.items() if t in ours and ours[t] != values)
        candles += len(theirs)
    ok = missing == duplicated == differing == short == 0
    line = (
        f"store vs exchange: {candles} candles of {len(symbols)} symbols compared: {missing} missing, "
        f"{duplicated} duplicated, {differing} differing, {short} spans short of the run: {'ok' if ok else 'FAILED'}"
    )
    return ok, line


def main(argv: list[str] | None = None) -> int:
    """Run the soak and print one line a minute, then the verdicts; exit 1 when one fails."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--minutes", type=int, default=30, help="how long to record (default 30)")
    ap.add_argument("--symbols", type=int, default=50, help="how many synthetic symbols (default 50)")
    ap.add_argument("--speed", type=float, default=60.0, help="the exchange's clock speed (default 60)")
    ap.add_argument("--settle", type=int, default=5, help="the minute whose RSS is the reference (default 5)")
    ap.add_argument("--tolerance", type=float, default=0.10, help="allowed RSS drift after it (default 0.10)")
    ap.add_argument(
        "--fresh", action="store_true", help=f"start from an empty store (default: {HISTORY} stored candles each)"
    )
    args = ap.parse_args(argv)
    symbols = [f"S{i:02d}USDT" for i in range(1, args.symbols + 1)]
    print(f"soak: record {len(symbols)} symbols 1m at {args.speed:g}x for {args.minutes} min", flush=True)
    with tempfile.TemporaryDirectory(prefix="tuichart-soak-") as tmp:
        data = Path(tmp) / "data"
        with exchange_process("--synthetic", *symbols, "--speed", str(args.speed)) as ex:
            if not args.fresh:  # a recorder restarted on its store: each series warms up from it at once
                since = ex.clock() - HISTORY * MINUTE_MS
                fill = [sys.executable, "-m", "tuichart", "backfill", *symbols, "-i", "1m", "--since", str(since)]
                subprocess.run([*fill, "--exchange", ex.url, "--data-dir", str(data)], check=True, capture_output=True)
            before = ex.clock()
            with open(Path(tmp) / "record.out", "w+") as out, open(Path(tmp) / "record.err", "w+") as err:
                run = ["--duration", str(args.minutes * 60 + 10), "--exchange", ex.url, "--data-dir", str(data)]
                rec = subprocess.Popen(
                    [sys.executable, "-m", "tuichart", "record", *symbols, "-i", "1m", *run],
                    stdout=out,
                    stderr=err,
                    text=True,
                )
                samples: list[Sample] = []
                started = time.monotonic()
                for minute in range(1, args.minutes + 1):
                    time.sleep(max(0.0, started + 60 * minute - time.monotonic()))
                    if rec.poll() is not None:
                        break
                    s = sample(rec.pid, minute)
                    samples.append(s)
                    print(f"minute {minute:3d}: rss {s.rss_mb:7.1f} MB, {s.fds} fds, {s.threads} threads", flush=True)
                code = rec.wait(timeout=600)
                after = ex.clock()
                out.seek(0)
                err.seek(0)
                summary, errors = out.read(), err.read()
            print(summary.strip().splitlines()[-1] if summary.strip() else "record printed nothing", flush=True)
            if code != 0:
                print(f"record exited {code}: FAILED\n{errors[-2000:]}")
                return 1
            memory_ok, memory_line = memory_verdict(samples, args.settle, args.tolerance)
            print(memory_line)
            store_ok, store_line = compare(ex.url, data, summary, symbols, before, after, args.speed)
            print(store_line)
            ex.proc.send_signal(signal.SIGINT)
            try:  # after a long run the exchange may take a while to say goodbye to every connection
                ex.proc.communicate(timeout=120)
            except subprocess.TimeoutExpired:
                ex.proc.kill()
                ex.proc.communicate()
    return 0 if memory_ok and store_ok else 1


if __name__ == "__main__":
    sys.exit(main())
