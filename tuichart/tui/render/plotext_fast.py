"""Faster versions of four plotext steps of a pane's build, giving exactly what plotext's own give.

plotext joins a line's points cell by cell in Python (`get_lines`) and then groups the points into quadrant
characters (`hd_group`); for a chart's five overlay lines that is about 40% of a pane's build. It then maps every
data point to a cell one function call at a time (`get_matrix_data`) and writes the picture's ANSI text cell by
cell, comparing each cell's colours with both neighbours' (`matrix_class.set_canvas`): another 30%. The versions
here return exactly what plotext's do (tests compare them on random input and on whole pictures) and hand anything
unusual (missing values, mixed marker sizes) back to plotext's own code. plotext is pinned exactly, and a test
counts the calls a pane build makes into these, so a plotext that stops calling them fails the suite.
"""

from __future__ import annotations

import math
from itertools import groupby
from typing import Any

import numpy as np
import plotext._utility as ut
from plotext._matrix import matrix_class

_original = {
    "get_lines": ut.get_lines,
    "hd_group": ut.hd_group,
    "get_matrix_data": ut.get_matrix_data,
    "set_canvas": matrix_class.set_canvas,
    "set_matrices": matrix_class.set_matrices,
    "insert_element": matrix_class.insert_element,
}


def _ints(values: Any) -> np.ndarray | None:
    """The values as an int64 array when all are plain ints (what plotext's matrix data holds), else None."""
    if values and set(map(type, values)) != {int}:
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


def get_matrix_data(data: list[Any], lim: list[float], bins: int) -> list[Any]:
    """plotext's `get_matrix_data`: each value's cell on an axis of `bins` cells, `floor(round(v, 8))` of the same
    float `v` plotext computes. NumPy does the same IEEE steps in the same order; `round(v, 8)` changes the floor
    only for a `v` just under an integer, and those few are done by plotext's formula. None, NaN, an infinity or a
    string (a date) in the data: plotext's own handles it."""
    try:
        values = np.fromiter(data, np.float64, len(data))
    except (TypeError, ValueError):
        return list(_original["get_matrix_data"](data, lim, bins))
    if lim[1] == lim[0] or not np.isfinite(values).all():  # plotext's raises or passes NaN through: let it
        return list(_original["get_matrix_data"](data, lim, bins))
    v = 0.5 + (bins - 1) * (values - lim[0]) / (lim[1] - lim[0])
    if v.size and not np.abs(v).max() < 2.0**52:  # past int64's exact range (a value far off the axis): plotext's
        return list(_original["get_matrix_data"](data, lim, bins))
    cells = np.floor(v)
    out: list[Any] = cells.astype(np.int64).tolist()
    for i in np.flatnonzero(cells + 1 - v < 1e-7).tolist():  # within rounding reach of the next integer
        out[i] = math.floor(round(float(v[i]), 8))
    return out


def set_canvas(self: Any) -> str:
    """plotext's `matrix_class.set_canvas`: the picture's ANSI text, top row first, each run of cells in the same
    colours opened by their codes and closed by a reset (plotext compares every cell with both neighbours)."""
    to_ansi, end, cols = ut.colors_to_ansi, ut.ansi_end, self.cols
    lines = []
    for row in self.Rows[::-1]:
        markers = self.marker[row]
        parts: list[str] = []
        col = 0
        cells = zip(self.fullground[row][:cols], self.style[row][:cols], self.background[row][:cols], strict=True)
        for colors, run in groupby(cells):
            n = len(list(run))
            parts += (to_ansi(*colors), "".join(markers[col : col + n]), end)
            col += n
        parts.append("\n")
        lines.append("".join(parts))
    self.canvas = "".join(lines)
    return self.canvas  # type: ignore[no-any-return]


def set_matrices(self: Any) -> None:
    """plotext's `matrix_class.set_matrices`: blank markers and colours, the canvas area in its colour and the rest in
    the axes' (one membership test per column and per row, not per cell)."""
    cols, rows, space, none = self.cols, self.Rows, ut.space, ut.no_color
    inside, outside = self.canvas_color, self.axes_color
    canvas_row = [inside if col in self.Cols_canvas else outside for col in self.Cols]
    self.marker = [[space] * cols for _ in rows]
    self.fullground = [[none] * cols for _ in rows]
    self.background = [canvas_row[:] if row in self.Rows_canvas else [outside] * cols for row in rows]
    self.style = [[none] * cols for _ in rows]


def insert_element(
    self: Any,
    col: int,
    row: int,
    marker: str,
    fullground: Any = None,
    style: Any = None,
    background: Any = None,
    check_canvas: bool = False,
) -> None:
    """plotext's `matrix_class.insert_element`: one cell's marker and the colours given, if the cell is on the matrix
    (and in the canvas area when `check_canvas`), without its four setter calls."""
    if check_canvas is not False and not (col in self.Cols_canvas and row in self.Rows_canvas):
        return
    if col in self.Cols and row in self.Rows:
        self.marker[row][col] = marker
        if fullground is not None:
            self.fullground[row][col] = fullground
        if background is not None:
            self.background[row][col] = background
        if style is not None:
            self.style[row][col] = style


def install() -> None:
    """Put these versions in place of plotext's (plotext looks them up on its module and class at each call)."""
    ut.get_lines = get_lines
    ut.hd_group = hd_group
    ut.get_matrix_data = get_matrix_data
    matrix_class.set_canvas = set_canvas
    matrix_class.set_matrices = set_matrices
    matrix_class.insert_element = insert_element
