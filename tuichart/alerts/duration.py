"""Durations as people write them in rules: `30s`, `15m`, `1h`, `4h`, `1d`, `1w`."""

from __future__ import annotations

import re

from tuichart.domain import DAY_MS, HOUR_MS, MINUTE_MS, SECOND_MS, WEEK_MS
from tuichart.errors import BadInput

_UNITS: dict[str, int] = {"w": WEEK_MS, "d": DAY_MS, "h": HOUR_MS, "m": MINUTE_MS, "s": SECOND_MS}
_DURATION = re.compile(r"^\s*(\d{1,9})\s*([smhdw])\s*$", re.IGNORECASE)


def parse_duration(text: str) -> int:
    """Milliseconds of a duration such as `15m`; junk is a one-line BadInput."""
    m = _DURATION.match(text)
    if not m:
        raise BadInput(f"invalid duration {text!r}: write a whole number and a unit s m h d w, e.g. 30s, 15m, 4h, 1d")
    return int(m.group(1)) * _UNITS[m.group(2).lower()]


def format_duration(ms: int) -> str:
    """The shortest spelling of a duration in ms, in the largest unit that divides it (`90m`, `1h`, `0s`)."""
    for unit, size in _UNITS.items():
        if ms and ms % size == 0:
            return f"{ms // size}{unit}"
    return f"{ms // SECOND_MS}s" if ms % SECOND_MS == 0 else f"{ms}ms"
