"""`make chaos`: one recording through mixed socket and REST faults, kill -9 restarts and a full disk, then the
store compared row by row with the exchange's own data. Needs root (the store lives on a small tmpfs)."""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.data_paths import VISION_ZIPS  # noqa: E402
from tests.e2e.harness import ExchangeProcess, config_file, tuichart  # noqa: E402
from tests.e2e.test_record import line_after, source, stored  # noqa: E402
from tuichart.domain import MINUTE_MS  # noqa: E402
from tuichart.exchange.faults import REST_KINDS, SOCKET_KINDS  # noqa: E402

SPEED = "120"  # a 1m candle every half second
NETWORK = {"reconnect_initial": 0.02, "reconnect_cap": 0.5, "silence_timeout": 0.5, "retry_scale": 0.01}


def mount_tmpfs(path: Path, size_mb: int) -> None:
    """A small tmpfs at `path`, so the disk can be filled for real."""
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m", "tmpfs", str(path)], capture_output=True)
    if done.returncode != 0:
        sys.exit(f"chaos: cannot mount a tmpfs at {path} (run as root): {done.stderr.decode().strip()}")


def fill(path: Path) -> Path:
    """Fill the file system holding `path` until it refuses another byte."""
    filler = path / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    try:
        for size in (1 << 20, 4096, 1):
            with contextlib.suppress(OSError):
                while os.write(fd, b"\0" * size):
                    pass
    finally:
        os.close(fd)
    return filler


def start_exchange(args: list[str], log: Path) -> ExchangeProcess:
    """`tuichart exchange --port 0 ARGS` writing to `log` (a pipe would fill up and stall it over a long run)."""
    env = {**os.environ, "NO_COLOR": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "tuichart", "exchange", "--port", "0", *args],
            stdout=out, stderr=subprocess.STDOUT, env=env, text=True,
        )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        m = re.search(r"http://127\.0\.0\.1:\d+", log.read_text())
        if m:
            return ExchangeProcess(proc, m.group(0))
        time.sleep(0.1)
    proc.kill()
    sys.exit(f"chaos: the exchange did not start: {log.read_text()[-500:]}")


def exchange_clock(ex: ExchangeProcess) -> int:
    """The exchange's market time, asking past the REST faults queued for whoever asks next."""
    deadline = time.monotonic() + 120
    while True:
        try:
            return ex.clock()
        except AssertionError:
            if time.monotonic() > deadline:
                raise


def start_record(url: str, data: Path, cfg: Path, log: Path) -> subprocess.Popen[bytes]:
    """`tuichart record BTCUSDT -i 1m` in the background, its output appended to `log`."""
    env = {**os.environ, "NO_COLOR": "1", "TUICHART_CONFIG": str(cfg)}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tuichart", "record", "BTCUSDT", "-i", "1m", "--exchange", url,
             "--data-dir", str(data)],
            stdout=out, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip


def compare(data: Path) -> tuple[int, int, int, int, int, int]:
    """(rows, first open, last open, missing, duplicated, differing) of the store against the exchange's data."""
    rows = stored(data)
    src = source()
    opens = [int(str(r[0])) for r in rows]
    present = set(opens)
    duplicated = len(opens) - len(present)
    first, last = opens[0], opens[-1]
    missing = sum(1 for t in range(first, last + MINUTE_MS, MINUTE_MS) if t not in present)
    differing = sum(1 for r in rows if src.get(r[0]) != r[1:])
    return len(rows), first, last, missing, duplicated, differing


def main() -> int:
    """Run the campaign; exit 0 only when nothing is missing, duplicated or different."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--kills", type=int, default=20, help="kill -9 restarts (default 20)")
    ap.add_argument("--every", type=float, default=0.15, help="mean seconds between socket faults (default 0.15)")
    ap.add_argument("--rest-every", type=float, default=2.0, help="seconds between REST faults (default 2)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="tuichart-chaos-") as tmp:
        work = Path(tmp)
        data = work / "data"
        mount_tmpfs(data, 64)
        try:
            return campaign(work, data, args.kills, args.every, args.rest_every, args.seed, rng)
        finally:
            subprocess.run(["umount", "-l", str(data)], check=False)


def campaign(work: Path, data: Path, kills: int, every: float, rest_every: float, seed: int, rng: random.Random) -> int:
    """Faults all along, `kills` kill -9 restarts, the disk full for a while in the middle, then a clean end."""
    cfg = config_file(work, NETWORK)
    log = work / "record.log"
    socket_kinds = "+".join(sorted(SOCKET_KINDS))
    rest_kinds = sorted(REST_KINDS)  # each fails the next REST request(s): timed, or they would pile up unanswered
    count = int(600 / rest_every)
    timed = ",".join(f"{rest_kinds[i % len(rest_kinds)]}@{3 + i * rest_every:.2f}" for i in range(count))
    faults = f"{timed},random:every={every},seed={seed},kinds={socket_kinds},silence=0.4,retry_after=1"
    full_at = kills // 2
    ex_log = work / "exchange.log"
    ex = start_exchange(["--replay", *map(str, VISION_ZIPS), "--speed", SPEED, "--faults", faults], ex_log)
    try:
        began, clock_at_start = time.monotonic(), exchange_clock(ex)
        for k in range(kills):
            proc = start_record(ex.url, data, cfg, log)
            if k == full_at:
                time.sleep(3)
                filler = fill(data)
                print(f"chaos: disk full (run {k + 1}); holding 10 s", flush=True)
                time.sleep(10)
                filler.unlink()
                print("chaos: space back", flush=True)
            time.sleep(rng.uniform(4, 9))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            print(f"chaos: kill -9 {k + 1}/{kills} at {time.monotonic() - began:.0f} s", flush=True)
        ex_clock_before_end = exchange_clock(ex)
        final = tuichart(
            "record", "BTCUSDT", "-i", "1m", "--duration", "20", "--exchange", ex.url, "--data-dir", data,
            env={"TUICHART_CONFIG": str(cfg)}, timeout=300,
        )  # fmt: skip
    finally:
        ex.proc.send_signal(signal.SIGINT)
        ex.proc.wait(timeout=30)
    printed = ex_log.read_text()
    injected = Counter({k: int(n) for k, n in re.findall(r"(\w+) (\d+)", line_after(printed, "faults injected:"))})
    rows, first, last, missing, duplicated, differing = compare(data)
    # the first recorder starts within 15 s (30 candles at 120x) even on a loaded machine
    reached = last + MINUTE_MS >= ex_clock_before_end - 2 * MINUTE_MS and first <= clock_at_start + 30 * MINUTE_MS
    total = sum(injected.values())
    socket = total - sum(injected[k] for k in REST_KINDS)
    print(f"faults injected: {total} ({socket} socket, {total - socket} REST): " + ", ".join(
        f"{k} {n}" for k, n in sorted(injected.items())))  # fmt: skip
    print(f"kill -9 restarts: {kills}; one full-disk episode of 10 s; final record exit {final.returncode}")
    print(final.stdout.strip())
    print(f"store: {rows} candles, {missing} missing, {duplicated} duplicated, {differing} differing")
    print(
        f"covers the run from its start to its end: {'yes' if reached else 'no'} (first candle "
        f"{(first - clock_at_start) // MINUTE_MS:+d} min from the start, last "
        f"{(last - ex_clock_before_end) // MINUTE_MS:+d} min from the last kill)"
    )
    ok = total >= 1000 and missing == duplicated == differing == 0 and reached and final.returncode == 0
    if not ok:
        print("record's output, last lines:\n" + "\n".join(log.read_text(errors="replace").splitlines()[-40:]))
    print("chaos: " + ("nothing lost" if ok else "FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
