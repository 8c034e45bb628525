"""Sessions on a data directory a recorder holds: read commands run in the recorder, the app and `web` attach."""

from __future__ import annotations

import argparse
import json
import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from tuichart.cli.output import captured, say, write
from tuichart.config import state_dir
from tuichart.domain import Candle, SeriesKey
from tuichart.errors import TuichartError
from tuichart.relay.discovery import CommandRunner, Recorder, find_recorder
from tuichart.store import Store

if TYPE_CHECKING:
    import http.client

log = logging.getLogger(__name__)

_lent: ContextVar[Store | None] = ContextVar("lent", default=None)
_PATH_ARGS = ("output", "partitioned")
"""Arguments naming files a command writes: resolved against the caller's directory, not the recorder's."""


class HeldByRecorder(Exception):
    """The data directory's store is a running recorder's: the command is to run there."""

    def __init__(self, recorder: Recorder) -> None:
        super().__init__(recorder.url)
        self.recorder = recorder


def running_recorder(data_dir: Path) -> Recorder | None:
    """The recorder serving `data_dir`, if one runs."""
    return find_recorder(state_dir(), data_dir)


@contextmanager
def reading_store(data_dir: Path) -> Iterator[Store]:
    """The store to read: the recorder's own when running in it for another session; raises HeldByRecorder when a
    recorder holds `data_dir`; else the file, opened read-only."""
    lent = _lent.get()
    if lent is not None:
        yield lent
        return
    recorder = running_recorder(data_dir)
    if recorder is not None:
        raise HeldByRecorder(recorder)
    with Store.open(data_dir, read_only=True, fallback=False) as store:
        yield store


def prefetch_history(store: Store, recorder: Recorder, key: SeriesKey, count: int) -> None:
    """The newest `count` closed candles of `key` from the recorder into `store` (an attached app's memory), so the
    first chart is drawn at once, as from a store of its own; a failure leaves the feed to fetch them."""
    import http.client  # here and below: a command on a store no recorder holds starts without them

    from tuichart.binance.protocol import parse_klines

    url = urlparse(recorder.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=5)
    try:
        now = int(_get_json(conn, f"{url.path}/api/v3/time")["serverTime"])
        candles: list[Candle] = []
        end: int | None = None
        while len(candles) < count:
            query = f"symbol={key.symbol}&interval={key.interval.value}&limit=1000" + (f"&endTime={end}" if end else "")
            page = [c for c in parse_klines(_get_json(conn, f"{url.path}/api/v3/klines?{query}")) if c.close_time < now]
            candles = page + candles
            if len(page) < 999 or not page:
                break
            end = page[0].open_time - 1
        store.upsert(key, candles[-count:])
    except (OSError, ValueError, KeyError, TypeError, http.client.HTTPException, TuichartError) as exc:
        log.info("prefetching %s from the recorder: %s", key, exc)
    finally:
        conn.close()


def _get_json(conn: http.client.HTTPConnection, path: str) -> Any:
    conn.request("GET", path)
    resp = conn.getresponse()
    body = resp.read()
    if resp.status != 200:
        raise ValueError(f"HTTP {resp.status}")
    return json.loads(body)


def run_in_recorder(recorder: Recorder, argv: Sequence[str]) -> int:
    """Have the recorder run this command line on its store; its output is written here, its exit code returned."""
    import http.client

    url = urlparse(recorder.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=None)
    body = json.dumps({"argv": list(argv), "cwd": os.getcwd()})
    try:
        conn.request("POST", url.path + "/tuichart/v1/run", body, {"Content-Type": "application/json"})
        resp = conn.getresponse()
        answer = json.loads(resp.read())
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise TuichartError(f"the recorder (pid {recorder.pid}) holding the store did not answer: {exc}") from None
    finally:
        conn.close()
    write(str(answer.get("stdout", "")))
    for line in str(answer.get("stderr", "")).splitlines():
        say(line)
    return int(answer.get("code", 1))


def command_runner(store: Store) -> CommandRunner:
    """How a recorder runs another session's read command on its own store (export, alerts fired, scan)."""

    def run(argv: list[str], cwd: str) -> tuple[int, str, str]:
        from tuichart.cli.commands import run_command
        from tuichart.cli.parser import command_parser

        with captured() as sink:
            reset = _lent.set(store)
            try:
                args = _parsed(command_parser(), argv)
                if args is None or not _reads(args):
                    say("tuichart: only export, scan and alerts fired run through a recorder")
                    return 2, sink.out.getvalue(), sink.err.getvalue()
                for name in _PATH_ARGS:
                    value = getattr(args, name, None)
                    if isinstance(value, str) and value != "-" and not Path(value).expanduser().is_absolute():
                        setattr(args, name, str(Path(cwd) / value))
                code = run_command(args)
            except TuichartError as exc:
                say(f"tuichart: {exc}")
                code = exc.exit_code
            except Exception as exc:
                log.exception("a command run for another session failed")
                say(f"tuichart: unexpected error in the recorder: {exc.__class__.__name__}: {exc}")
                code = 1
            finally:
                _lent.reset(reset)
            return code, sink.out.getvalue(), sink.err.getvalue()

    return run


def _parsed(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace | None:
    try:
        return parser.parse_args(argv)
    except SystemExit:  # the caller parsed the same line already: this is not one of ours
        return None


def _reads(args: argparse.Namespace) -> bool:
    """True for the commands that only read the store."""
    return args.command in ("export", "scan") or (args.command == "alerts" and getattr(args, "action", "") == "fired")
