"""Real processes for end-to-end tests: a `tuichart exchange` on a free port, and the CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import httpx

from tuichart.domain import DECIMAL_FIELDS, Candle
from tuichart.timeparse import parse_time

SourceRow = tuple[Decimal, Decimal, Decimal, Decimal, Decimal, int, Decimal, int, Decimal, Decimal]
"""A candle's fields after its open time, as the klines table returns them (exact decimals, times in ms)."""
StoredRow = tuple[int, Decimal, Decimal, Decimal, Decimal, Decimal, int, Decimal, int, Decimal, Decimal]
"""A klines row with its open time in ms first."""


class ExchangeProcess:
    """A running `tuichart exchange`; `stop()` returns what it printed."""

    def __init__(self, proc: subprocess.Popen[str], url: str) -> None:
        self.proc = proc
        self.url = url
        self.output = ""

    def clock(self) -> int:
        """The exchange's market time in ms."""
        for _ in range(20):  # injected REST faults still pending are answered first
            r = httpx.get(f"{self.url}/api/v3/time", timeout=5)
            if r.status_code == 200 and r.headers.get("content-type", "").startswith("application/json"):
                return int(r.json()["serverTime"])
        raise AssertionError(f"the exchange at {self.url} does not tell its time")

    def stop(self) -> str:
        """Interrupt it like Ctrl-C and collect its output."""
        self.proc.send_signal(signal.SIGINT)
        out, _ = self.proc.communicate(timeout=20)
        self.output += out
        return self.output


@contextmanager
def exchange_process(*args: str | Path | float) -> Iterator[ExchangeProcess]:
    """Start `tuichart exchange --port 0 ARGS` and wait for its URL."""
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "tuichart", "exchange", "--port", "0", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 30
    first = ""
    while time.monotonic() < deadline and not first:
        first = proc.stdout.readline()
    m = re.search(r"http://127\.0\.0\.1:\d+", first)
    assert m, f"no URL from the exchange: {first!r}"
    ex = ExchangeProcess(proc, m.group(0))
    ex.output = first
    try:
        yield ex
    finally:
        if proc.poll() is None:
            ex.stop()


def config_file(tmp: Path, network: dict[str, float]) -> Path:
    """A config file with a [network] table."""
    path = tmp / "config.toml"
    path.write_text("[network]\n" + "".join(f"{k} = {v}\n" for k, v in network.items()))
    return path


def tuichart(
    *args: str | Path | float, env: dict[str, str] | None = None, timeout: float = 180, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI to completion (in `cwd`, when given, with the checkout importable)."""
    full = {**os.environ, "NO_COLOR": "1", **(env or {})}
    if cwd is not None:
        full["PYTHONPATH"] = os.pathsep.join(filter(None, [str(Path.cwd()), full.get("PYTHONPATH")]))
    command = [sys.executable, "-m", "tuichart", *map(str, args)]
    return subprocess.run(command, capture_output=True, text=True, env=full, timeout=timeout, cwd=cwd)


def parse_span(stdout: str, label: str) -> tuple[int, int, int]:
    """(count, first open, last open) in ms from record's summary line for a series (UTC times to the second)."""
    when = r"(\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?)"
    m = re.search(rf"{re.escape(label)}: (\d+) closed candles?, open times {when} \.\. {when} UTC$", stdout, re.M)
    assert m, stdout
    return int(m.group(1)), parse_time(m.group(2)), parse_time(m.group(3))


def kinds_spec(kinds: Sequence[str], each: int, start: float, spacing: float) -> str:
    """A timed --faults spec firing every kind `each` times, round-robin."""
    parts = []
    t = start
    for _ in range(each):
        for kind in kinds:
            parts.append(f"{kind}@{t:.2f}" + (":0.4" if kind == "silence" else ""))
            t += spacing
    return ",".join(parts)


def exact(c: Candle, name: str) -> Decimal:
    """A price or volume of a candle read from a file, digit for digit, as the store returns it."""
    assert c.exact is not None, "candles read from files keep their digits"
    return Decimal(c.exact[DECIMAL_FIELDS.index(name)])
