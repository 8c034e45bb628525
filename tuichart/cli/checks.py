"""Checks of what the user typed, shared by every command, made before any work is done or anything written."""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tuichart.binance.rest import RestClient, RetryPolicy
from tuichart.cli.progress import stderr
from tuichart.config import Settings
from tuichart.domain import Interval
from tuichart.errors import BadInput, ExchangeError
from tuichart.timeparse import format_time, parse_time


def time_range(since: str | None, until: str | None) -> tuple[int | None, int | None]:
    """`--since` and `--until` as ms; an `--until` before `--since` is a BadInput."""
    start = parse_time(since) if since else None
    end = parse_time(until) if until else None
    if start is not None and end is not None and end < start:
        raise BadInput(f"--until {format_time(end)} is before --since {format_time(start)}; swap them")
    return start, end


def output_file(text: str, flag: str = "-o") -> Path:
    """A file path that can be written, checked by opening it without changing it (a new file is removed again)."""
    path = Path(text).expanduser()
    if path.is_dir():
        raise BadInput(f"{flag} {path} is a directory; name a file in it, e.g. {flag} {path / 'out.csv'}")
    parent = path.parent
    if not parent.is_dir():
        raise BadInput(f"{flag} {path}: directory {parent} does not exist; create it or choose another path")
    try:
        if path.exists():
            with path.open("ab"):
                pass
        else:
            with path.open("xb"):
                pass
            path.unlink()
    except OSError as exc:
        raise BadInput(f"{flag} {path}: cannot write there ({exc.strerror}); choose another path") from None
    return path


def output_dir(text: str, flag: str) -> Path:
    """A directory that exists and can be written, or can be created under its nearest existing parent."""
    path = Path(text).expanduser()
    existing = next(p for p in (path, *path.parents) if p.exists())
    if not existing.is_dir():
        raise BadInput(f"{flag} {path}: {existing} is a file, not a directory; choose another path")
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as exc:
        raise BadInput(f"{flag} {path}: cannot write in {existing} ({exc.strerror}); choose another path") from None
    return path


def check_on_exchange(settings: Settings, symbols: Sequence[str], interval: Interval) -> None:
    """The symbols must be trading and the interval offered; an unreachable exchange only gets a note (offline)."""

    async def check() -> None:
        policy = RetryPolicy(scale=settings.network.retry_scale, max_attempts=1, timeout=5.0)
        async with RestClient(settings.exchange, policy=policy) as rest:
            await rest.validate_series(symbols, interval)

    try:
        asyncio.run(check())
    except ExchangeError as exc:
        if exc.status == 451:
            raise
        stderr().print(f"tuichart: {exc}; starting offline with the stored candles", markup=False)
