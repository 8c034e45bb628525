"""Numbers as a trader reads them: prices of any size with their significant digits, volumes, changes, times."""

from __future__ import annotations

import datetime as dt
import math

from tuichart.domain import Interval

UTC = dt.UTC


def price_decimals(reference: float, digits: int = 6) -> int:
    """Decimals that show `digits` significant digits of a price of this size (at least 2, at most 12)."""
    if reference == 0 or not math.isfinite(reference):
        return 2
    magnitude = math.floor(math.log10(abs(reference)))
    return max(2, min(12, digits - 1 - magnitude))


def fmt_price(x: float, decimals: int | None = None) -> str:
    """60,123.45 / 0.00001234 / 0.000000012345: never an exponent, never a x1e5 scale."""
    if not math.isfinite(x):
        return "—"
    d = price_decimals(x) if decimals is None else decimals
    return f"{x:,.{d}f}"


def fmt_volume(x: float) -> str:
    """1.23K, 4.56M, 7.8B: compact volumes."""
    if not math.isfinite(x):
        return "—"
    for unit, size in (("T", 1e12), ("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if abs(x) >= size:
            return f"{x / size:.2f}{unit}"
    return f"{x:.2f}" if abs(x) >= 1 else f"{x:.4g}"


def fmt_change(pct: float) -> str:
    """+1.23% / -0.45%."""
    return "—" if not math.isfinite(pct) else f"{pct:+.2f}%"


def fmt_time(ms: int, interval: Interval) -> str:
    """An open time as the interval needs it: seconds for 1s, dates for days and longer (UTC)."""
    t = dt.datetime.fromtimestamp(ms / 1000, UTC)
    if interval is Interval.S1:
        return t.strftime("%Y-%m-%d %H:%M:%S")
    if interval.nominal_ms >= 86_400_000:
        return t.strftime("%Y-%m-%d")
    return t.strftime("%Y-%m-%d %H:%M")


def fmt_axis_time(ms: int, interval: Interval) -> str:
    """A short time label for the x axis."""
    t = dt.datetime.fromtimestamp(ms / 1000, UTC)
    if interval is Interval.S1:
        return t.strftime("%H:%M:%S")
    if interval.nominal_ms < 86_400_000:
        return t.strftime("%d %H:%M") if t.hour or t.minute else t.strftime("%b %d")
    if interval is Interval.MO1:
        return t.strftime("%Y-%m")
    return t.strftime("%b %d")
