"""NumPy versions of the two plotext helpers that draw "hd" lines, giving the same points in a fraction of the time.

plotext joins a line's points cell by cell in Python (`get_lines`) and then groups the points into quadrant
characters (`hd_group`); for a chart's five overlay lines that is about 40% of a pane's build. The versions here
return exactly what plotext's do (a test compares them on random input) and hand anything unusual (missing
values, mixed marker sizes) back to plotext's own code. plotext is pinned exactly, and a test counts the calls a
pane build makes into these, so a plotext that stops calling them fails the suite.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import plotext._utility as ut

_original = {"get_lines": ut.get_lines, "hd_group": ut.hd_group}


def _ints(values: Any) -> np.ndarray | None:
    """The values as an int64 array when all are plain ints (what plotext's matrix data holds), else None."""
    if not all(type(v) is int for v in values):
        return None
    return np.fromiter(values, np.int64, len(values))


def get_lines(x: list[Any], y: list[Any], *other: list[Any]) -> list[list[Any]]:
    """plotext's `get_lines`: the points joining each pair of data points, with `other` stretched alike."""
    xs, ys = _ints(x), _ints(y)
    if xs is None or ys is None or len(xs) < 2 or len(ys) != len(xs):
        return list(_original["get_lines"](x, y, *other))
    x0, y0 = xs[:-1], ys[:-1]
    dx, dy = np.diff(xs), np.diff(ys)
    steps = np.maximum(np.abs(dx), np.abs(dy))  # plotext's length - 1: points per segment, its end left out
    seg = np.repeat(np.arange(steps.size), steps)
    k = np.arange(seg.size) - np.repeat(np.cumsum(steps) - steps, steps)
    denom = np.where(steps > 0, steps, 1).astype(np.float64)
    # as plotext's linspace: lower + k * ((upper - lower) / (length - 1)), truncated like int()
    px = np.trunc(x0[seg] + k * (dx[seg] / denom[seg])).astype(np.int64)
    py = np.trunc(y0[seg] + k * (dy[seg] / denom[seg])).astype(np.int64)
    out: list[list[Any]] = [[*px.tolist(), x[-1]], [*py.tolist(), y[-1]]]
    for values in other:
        picked = [values[i] for i in seg.tolist()]
        out.append([*picked, values[len(x) - 1]])
    return out


def hd_group(x: list[Any], y: list[Any], xf: list[int], yf: list[int]) -> tuple[Any, Any, list[tuple[int, ...]]]:
    """plotext's `hd_group`: the cells the points fall in, in first-seen order, with each cell's quadrant pattern."""
    xs, ys = _ints(x), _ints(y)
    if xs is None or ys is None or not xs.size or set(xf) != {2} or set(yf) != {2}:
        return _original["hd_group"](x, y, xf, yf)  # type: ignore[no-any-return]
    cx, cy = xs // 2, ys // 2
    bit = (1 - ys % 2) * 2 + xs % 2  # the pattern lists the upper row first
    keys = cx * (1 << 32) + (cy - np.int64(-(1 << 31)))  # one int per cell; cy may be negative off the canvas
    uniq, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    masks = np.zeros(uniq.size, np.int64)
    np.bitwise_or.at(masks, inverse, 1 << bit)
    order = np.argsort(first, kind="stable")
    cells_x, cells_y = cx[first[order]].tolist(), cy[first[order]].tolist()
    patterns: list[tuple[int, ...]] = [(m & 1, (m >> 1) & 1, (m >> 2) & 1, (m >> 3) & 1) for m in masks[order].tolist()]
    return cells_x, cells_y, patterns


def install() -> None:
    """Put these versions in place of plotext's (plotext looks them up on its module at each call)."""
    ut.get_lines = get_lines
    ut.hd_group = hd_group
