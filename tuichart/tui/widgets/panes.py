"""Chart panes drawn with plotext: candles with overlays, volume, and indicator panes. Each owns its Plot."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from rich.segment import Segment
from textual.strip import Strip
from textual_plotext import PlotextPlot

from tuichart.tui.render import plotext_fast
from tuichart.tui.render.ansi import ansi_to_strips
from tuichart.tui.render.cells import bar_points, candle_points
from tuichart.tui.render.format import fmt_price, fmt_volume, price_decimals
from tuichart.tui.render.palette import ALERT, CURSOR, DOWN, LEVEL, RGB, UP

Line = tuple[str, np.ndarray, RGB]

plotext_fast.install()


@dataclass(frozen=True, slots=True)
class PaneData:
    """Everything one pane draws, pushed down by the app; equal data draws the same picture."""

    version: int = 0
    candles: dict[str, np.ndarray] | None = None
    """open/high/low/close arrays: draw candles."""
    bars: tuple[np.ndarray, np.ndarray] | None = None
    """(heights, up-mask): draw bars coloured up/down (volume, MACD histogram)."""
    lines: tuple[Line, ...] = ()
    levels: tuple[float, ...] = ()
    alert_levels: tuple[float, ...] = ()
    """Levels alert rules watch (drawn when inside the pane's range)."""
    y_range: tuple[float, float] | None = None
    cursor: int | None = None
    x_labels: tuple[tuple[int, str], ...] = ()
    count: int = 0
    kind: str = "price"
    """How to label the y axis: price, volume or points."""
    color: bool = True
    extra: dict[str, float] = field(default_factory=dict)


class ChartPane(PlotextPlot):
    """A plotext pane that rebuilds its picture only when its data or size changed."""

    DEFAULT_CSS = """
    ChartPane { width: 1fr; height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.data = PaneData()
        self._drawn_key: tuple[object, ...] | None = None
        self._strips: list[Strip] = []
        self.builds = 0
        self.shown_version = -1
        """The data version the picture on screen stands for."""

    def show(self, data: PaneData) -> None:
        """New data to draw: repaints on the next refresh, unless the picture on screen already shows it (most live
        ticks), when nothing is repainted at all."""
        self.data = data
        frame = (self.size.width, self.size.height, self.app.theme)
        if self._drawn_key is not None and self._drawn_key[1:] == frame and look(data, frame[1]) == self._drawn_key[0]:
            self.shown_version = data.version
            return
        self.refresh()

    def render_line(self, y: int) -> Strip:
        """Line `y` of the picture (the line API: plotext's lines go straight to Strips, no Text in between)."""
        strips = self.picture()
        return strips[y] if 0 <= y < len(strips) else Strip.blank(self.size.width)

    def picture(self) -> list[Strip]:
        """The picture's lines for the current data and size, rebuilt only when what they show changed.

        New data whose every value stays in the same eighth of a row (most live ticks) keeps the picture and
        costs no plotext build; such a tick can leave a mark a cell edge behind until the next visible move,
        while the legend always shows the exact values.
        """
        frame = (self.size.width, self.size.height, self.app.theme)
        if self.shown_version != self.data.version or self._drawn_key is None or self._drawn_key[1:] != frame:
            key = (look(self.data, self.size.height), *frame)
            if key != self._drawn_key:
                self.plt.clear_figure()
                self._draw(self.data)
                self._strips = self._build()
                self._drawn_key = key
                self.builds += 1
            self.shown_version = self.data.version
        return self._strips

    def _build(self) -> list[Strip]:
        """PlotextPlot.render with a faster ANSI decoder; a pane with nothing to draw is plotext's empty canvas."""
        width, height = self.size.width, self.size.height
        if self.data.count == 0:  # one cell of it, repeated: a whole empty build costs about 10 ms a pane at start
            cell = self._plot_strips(1, 1)[0]
            style = next(iter(cell), None)
            return [Strip([Segment(" " * width, style.style if style else None)], width)] * height
        return self._plot_strips(width, height)

    def _plot_strips(self, width: int, height: int) -> list[Strip]:
        """Size the plot, apply the theme, build, decode."""
        self._plot.plotsize(width, height)
        self._plot._set_size(width, height)  # as PlotextPlot does: resizing misbehaves without it
        self._plot.theme(self._get_plotext_theme_name(self.app.theme))
        return ansi_to_strips(self._plot.build(), width)

    def _draw(self, d: PaneData) -> None:
        plt = self.plt
        plt.frame(False)
        if d.count == 0:
            plt.xticks([])
            plt.yticks([])
            return
        x = list(range(d.count))
        low, high = _y_range(d)
        step = (high - low) / (2 * max(1, self.size.height)) if math.isfinite(high - low) and high > low else 1.0
        if d.candles is not None:
            c = d.candles
            points = candle_points(c["open"], c["high"], c["low"], c["close"], step)
            for part, marker in (("wick", "│"), ("body", "█")):  # bodies drawn over wicks
                for side, colour in (("up", UP), ("down", DOWN)):
                    xs, ys = points[f"{side}_{part}"]
                    if xs:
                        plt.scatter(xs, ys, marker=marker, color=colour if d.color else None)
        if d.bars is not None:
            heights, up = d.bars
            for mask, colour in ((up, UP), (~up, DOWN)):
                xs, ys = bar_points(np.where(mask, heights, np.nan), 0.0, step)
                if xs:
                    plt.scatter(xs, ys, marker="█", color=colour if d.color else None)
        for _, values, colour in d.lines:
            idx = [i for i in x if math.isfinite(values[i])]
            if len(idx) > 1:  # "hd" quadrant lines: the smoothest plotext draws, and most of a redraw's cost
                plt.plot(idx, [float(values[i]) for i in idx], color=colour if d.color else None, marker="hd")
        for level in d.levels:
            plt.hline(level, LEVEL if d.color else None)
        for level in d.alert_levels:
            if low <= level <= high:  # a level far off the range would squash the candles; the legend is enough
                plt.hline(level, ALERT if d.color else None)
        if d.cursor is not None:
            plt.vline(d.cursor, CURSOR if d.color else None)
        plt.xlim(-0.5, d.count - 0.5)
        if math.isfinite(low) and math.isfinite(high):
            plt.ylim(low, high)
            ticks = _ticks(low, high, max(2, self.size.height // 4))
            plt.yticks(ticks, [_label(t, d.kind, high - low) for t in ticks])
        if d.x_labels:
            plt.xticks([p for p, _ in d.x_labels], [s for _, s in d.x_labels])
        else:
            plt.xticks([])


def look(d: PaneData, rows: int) -> tuple[object, ...]:
    """What decides a pane's picture: its layout and every value as a position on an eighth-of-a-row grid."""
    low, high = _y_range(d)
    span = high - low if math.isfinite(high - low) and high > low else 1.0
    steps = 8 * max(1, rows)  # "hd" lines resolve half a row

    def grid(values: np.ndarray) -> bytes:
        scaled = np.floor((np.asarray(values, dtype=float) - low) / span * steps)
        return np.nan_to_num(scaled, nan=-(2**31), posinf=2**31, neginf=-(2**31)).astype(np.int64).tobytes()

    arrays: list[bytes] = []
    if d.candles is not None:
        arrays += [grid(d.candles[k]) for k in ("open", "high", "low", "close")]
    if d.bars is not None:
        arrays += [grid(d.bars[0]), np.asarray(d.bars[1]).tobytes()]
    arrays += [grid(v) for _, v, _ in d.lines]
    colours = tuple(c for _, _, c in d.lines)
    return (d.count, d.cursor, d.x_labels, d.kind, d.color, d.levels, d.alert_levels, low, high, colours, *arrays)


def _y_range(d: PaneData) -> tuple[float, float]:
    if d.y_range is not None:
        return d.y_range
    arrays: list[np.ndarray] = []
    if d.candles is not None:
        arrays += [d.candles["high"], d.candles["low"]]
    if d.bars is not None:
        arrays.append(d.bars[0])
        if d.kind == "volume":
            arrays.append(np.zeros(1))
    arrays += [v for _, v, _ in d.lines]
    finite = [a[np.isfinite(a)] for a in arrays]
    values = np.concatenate([f for f in finite if f.size]) if any(f.size for f in finite) else np.zeros(0)
    if values.size == 0:
        return math.nan, math.nan
    low, high = float(values.min()), float(values.max())
    if high == low:
        pad = abs(high) * 1e-3 or 1.0
        return low - pad, high + pad
    pad = (high - low) * 0.04
    return (low if d.kind == "volume" else low - pad), high + pad


def _ticks(low: float, high: float, n: int) -> list[float]:
    """About n round tick values inside [low, high]."""
    span = high - low
    raw = span / max(1, n)
    step = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 2.5, 5, 10):
        if span / (step * mult) <= n:
            step *= mult
            break
    first = math.ceil(low / step) * step
    return [first + i * step for i in range(int((high - first) / step) + 1)]


def _label(v: float, kind: str, span: float) -> str:
    if kind == "volume":
        return fmt_volume(v)
    if kind == "points":
        return f"{v:.0f}" if span >= 10 else f"{v:.2f}"
    if v == 0:
        return "0"
    # enough decimals to tell the ticks apart, at least the price's significant digits
    decimals = max(price_decimals(abs(v) or span, 4), price_decimals(span, 3))
    return fmt_price(v, decimals)
