"""Parsing the dates and times users type (`--since 2024-01-01`, `2024-01-01T12:30`, epoch ms)."""

from __future__ import annotations

from datetime import UTC, datetime

from tuichart.errors import BadInput

_FORMATS = ("%Y-%m-%d", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m")


def parse_time(text: str) -> int:
    """Epoch ms (UTC) of a date, a date-time, or a 13-digit epoch-ms number."""
    s = text.strip()
    if s.isdigit() and len(s) >= 10:
        return int(s) if len(s) >= 13 else int(s) * 1000
    if s.endswith("Z"):
        s = s[:-1]
    for fmt in _FORMATS:
        try:
            return int(datetime.strptime(s, fmt).replace(tzinfo=UTC).timestamp() * 1000)
        except ValueError:
            continue
    raise BadInput(f"cannot read the time {text!r}: use YYYY-MM-DD, YYYY-MM-DDTHH:MM (UTC) or epoch ms")


def format_minute(ms: int) -> str:
    """A UTC time as people read it, `2026-11-27 09:15` (seconds only when not zero), without the zone."""
    fmt = "%Y-%m-%d %H:%M" if ms % 60_000 == 0 else "%Y-%m-%d %H:%M:%S"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime(fmt)


def format_time(ms: int) -> str:
    """A compact UTC time for messages."""
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
