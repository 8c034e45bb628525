"""`tuichart record` goes by what is durable: a restart fills its downtime, a failed backfill is retried until
nothing is missing, and a hole that outlasts the run is named in the summary with exit 3."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.data_paths import VISION_ZIPS
from tests.e2e.harness import config_file, exchange_process, parse_span
from tests.e2e.test_record import SPEED, check_indicators, source, stored
from tests.tui.helpers import ThreadedExchange
from tuichart.domain import MINUTE_MS
from tuichart.exchange import replay_market
from tuichart.timeparse import parse_time

WHEN = r"(\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?)"


class Recorder:
    """A `tuichart record` process whose stderr is read line by line as it comes."""

    def __init__(self, url: str, data: Path, env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tuichart", "record", "BTCUSDT", "-i", "1m", "--exchange", url, "--data-dir", data],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "NO_COLOR": "1", **(env or {})},
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        """Block until a line of stderr contains `text`."""
        deadline = time.monotonic() + timeout
        while not any(text in line for line in self.lines):
            assert self.proc.poll() is None, "".join(self.lines)
            assert time.monotonic() < deadline, f"no {text!r} in: {''.join(self.lines)}"
            time.sleep(0.05)

    def interrupt(self) -> tuple[int, str, str]:
        """Ctrl-C; the exit code, stdout and stderr."""
        self.proc.send_signal(signal.SIGINT)
        assert self.proc.stdout is not None
        out = self.proc.stdout.read()
        code = self.proc.wait(timeout=60)
        self._reader.join(10)
        return code, out, "".join(self.lines)


def record_until_ready(url: str, data: Path, env: dict[str, str] | None = None) -> Recorder:
    rec = Recorder(url, data, env)
    rec.wait_for("recording BTCUSDT 1m")
    return rec


def check_contiguous(data: Path) -> list[int]:
    """The stored candles run without a hole or a repeat, each equal to the exchange's own; their open times."""
    rows = stored(data)
    src = source()
    opens = [r[0] for r in rows]
    assert len(opens) == len(set(opens)), "a candle is stored twice"
    assert opens == list(range(opens[0], opens[-1] + MINUTE_MS, MINUTE_MS)), "a candle is missing"
    for r in rows:
        assert r[1:] == src[r[0]], f"candle {r[0]} differs from the exchange's"
    return opens


def totals(stdout: str) -> re.Match[str]:
    m = re.search(
        r"^(\d+) closed candles? recorded, (\d+) gaps? filled, (\d+) gaps? the exchange has, (\d+) candles? missing, "
        r"(\d+) reconnects?$",
        stdout,
        re.M,
    )
    assert m, stdout
    return m


def test_a_restart_fills_the_downtime(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with exchange_process("--replay", *VISION_ZIPS, "--speed", SPEED) as ex:
        first = record_until_ready(ex.url, data)
        time.sleep(3)  # about 30 candles at this speed
        code, out1, err1 = first.interrupt()
        stopped = ex.clock()
        while ex.clock() < stopped + 30 * MINUTE_MS:  # the exchange runs on while nothing records
            time.sleep(0.1)
        second = subprocess.run(
            [sys.executable, "-m", "tuichart", "record", "BTCUSDT", "-i", "1m", "--duration", "4",
             "--exchange", ex.url, "--data-dir", str(data)],
            capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=180,
        )  # fmt: skip
        after = ex.clock()
    assert code == 130 and "interrupted; everything written so far is kept" in err1, err1
    assert totals(out1).group(4) == "0"
    assert second.returncode == 0, second.stderr
    run2 = totals(second.stdout)
    assert run2.group(4) == "0" and int(run2.group(2)) >= 1, second.stdout  # the downtime was one gap, filled
    opens = check_contiguous(data)  # 0 missing, 0 doubled, 0 differing across both runs and the downtime
    _, first1, last1 = parse_span(out1, "BTCUSDT 1m")
    count2, first2, last2 = parse_span(second.stdout, "BTCUSDT 1m")
    assert (opens[0], opens[-1]) == (first1, last2)
    assert first2 == last1 + MINUTE_MS, "the second run did not resume right after the first"
    assert last2 - last1 >= 30 * MINUTE_MS and last2 + MINUTE_MS - 1 <= after
    assert count2 == len(opens) - len(range(first1, last1 + 1, MINUTE_MS))
    check_indicators(data)


def test_a_start_goes_back_no_further_than_max_backfill(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with exchange_process("--replay", *VISION_ZIPS, "--speed", SPEED) as ex:
        first = record_until_ready(ex.url, data)
        time.sleep(2)
        code, out1, _ = first.interrupt()
        stopped = ex.clock()
        while ex.clock() < stopped + 30 * MINUTE_MS:
            time.sleep(0.1)
        second = subprocess.run(
            [sys.executable, "-m", "tuichart", "record", "BTCUSDT", "-i", "1m", "--duration", "2",
             "--max-backfill", "10", "--exchange", ex.url, "--data-dir", str(data)],
            capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"}, timeout=180,
        )  # fmt: skip
    assert code == 130 and second.returncode == 0, second.stderr
    beyond = rf"BTCUSDT 1m: (\d+) candles from {WHEN} UTC on lie further back than --max-backfill 10"
    m = re.search(beyond, second.stderr)
    assert m, second.stderr
    left_out, since = int(m.group(1)), parse_time(m.group(2))
    _, _, last1 = parse_span(out1, "BTCUSDT 1m")
    assert since == last1 + MINUTE_MS and left_out >= 20
    assert totals(second.stdout).group(4) == "0"  # what lies beyond the limit is not the run's to fetch
    opens = [r[0] for r in stored(data)]
    skipped = set(range(since, since + left_out * MINUTE_MS, MINUTE_MS))
    assert not skipped & set(opens)
    assert sorted([*opens, *skipped]) == list(range(opens[0], opens[-1] + MINUTE_MS, MINUTE_MS))
    assert len([t for t in opens if t > max(skipped)]) >= 10, "the newest ten candles of the downtime were fetched"


@contextmanager
def replay_exchange() -> Iterator[ThreadedExchange]:
    ex = ThreadedExchange(replay_market(VISION_ZIPS, speed=float(SPEED)))
    try:
        yield ex
    finally:
        ex.stop()


def outage_then_silence(ex: ThreadedExchange, rec: Recorder) -> None:
    """REST down from now on, then a second without pushes: the backfill after it fails."""
    time.sleep(1)  # some candles recorded first
    ex.run(lambda: ex.exchange.inject("burst5xx", 3600.0))
    ex.run(lambda: ex.exchange.inject("silence", 1.0))  # about ten closes are never pushed
    rec.wait_for("backfill of BTCUSDT 1m failed")


FAST_RETRIES = {"retry_scale": 0.01, "silence_timeout": 30}


def test_a_failed_backfill_is_retried_until_nothing_is_missing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"TUICHART_CONFIG": str(config_file(tmp_path, FAST_RETRIES))}
    with replay_exchange() as ex:
        rec = record_until_ready(ex.url, data, env)
        outage_then_silence(ex, rec)
        failed = sum("backfill of BTCUSDT 1m failed" in line for line in rec.lines)
        deadline = time.monotonic() + 60
        while sum("backfill of BTCUSDT 1m failed" in line for line in rec.lines) < failed + 3:  # retried meanwhile
            assert time.monotonic() < deadline, "".join(rec.lines)
            time.sleep(0.05)
        ex.exchange.rest.failing_until = 0.0  # REST is back
        rec.wait_for("BTCUSDT 1m: the missing candles are filled in")
        code, out, err = rec.interrupt()
    assert code == 130, err
    m = totals(out)
    assert m.group(4) == "0" and int(m.group(2)) >= 1, out
    assert "missing" not in out.replace("0 candles missing", "")
    opens = check_contiguous(data)
    count, first, last = parse_span(out, "BTCUSDT 1m")
    assert (count, first, last) == (len(opens), opens[0], opens[-1])
    check_indicators(data)


def test_a_hole_that_outlasts_the_run_is_named_and_exits_3(tmp_path: Path) -> None:
    data = tmp_path / "data"
    env = {"TUICHART_CONFIG": str(config_file(tmp_path, FAST_RETRIES))}
    with replay_exchange() as ex:
        rec = record_until_ready(ex.url, data, env)
        outage_then_silence(ex, rec)
        time.sleep(1)  # live closes after the hole go on being stored
        code, out, err = rec.interrupt()  # REST is still down
    assert code == 3, err
    assert "candles are missing (see the summary)" in err
    m = re.search(rf"^BTCUSDT 1m: missing {WHEN} \.\. {WHEN} UTC \((\d+) candles?\)$", out, re.M)
    assert m, out
    hole_first, hole_last, hole_count = parse_time(m.group(1)), parse_time(m.group(2)), int(m.group(3))
    assert hole_count == (hole_last - hole_first) // MINUTE_MS + 1 and hole_count >= 3
    assert totals(out).group(4) == str(hole_count)
    rows = stored(data)
    src = source()
    opens = [r[0] for r in rows]
    assert all(r[1:] == src[r[0]] for r in rows), "a stored candle differs from the exchange's"
    assert len(opens) == len(set(opens))
    hole = list(range(hole_first, hole_last + MINUTE_MS, MINUTE_MS))
    assert sorted(opens + hole) == list(range(opens[0], opens[-1] + MINUTE_MS, MINUTE_MS)), "missing elsewhere too"
    assert opens[-1] > hole_last + 3 * MINUTE_MS, "no live close was kept after the hole"
