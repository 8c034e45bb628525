"""From a series and a viewport to what each pane and the legend draw (no widgets touched here)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from tuichart.domain import Candle
from tuichart.engine.chart_data import ChartData, with_ohlc
from tuichart.indicators import Scale, Study
from tuichart.tui.render.format import fmt_axis_time
from tuichart.tui.render.palette import colour_of, hex_of
from tuichart.tui.render.viewport import Viewport
from tuichart.tui.widgets.legend import LegendData
from tuichart.tui.widgets.panes import Line, PaneData

LABELS = {
    "macd": "MACD",
    "macd_signal": "Signal",
    "macd_histogram": "Hist",
    "bb_upper": "BB↑",
    "bb_middle": "BB",
    "bb_lower": "BB↓",
    "stoch_k": "%K",
    "stoch_d": "%D",
}


def column_label(study: Study, column: str) -> str:
    """Legend label of one output column."""
    if column in LABELS:
        return LABELS[column]
    return study.label if len(study.columns) == 1 else column


@dataclass(frozen=True, slots=True)
class View:
    """The pictures of one frame: candle pane, volume, one per pane study; and the legend."""

    candles: PaneData
    volume: PaneData
    panes: dict[str, PaneData]
    legend: LegendData


def build_view(
    chart: ChartData,
    viewport: Viewport,
    plot_width: int,
    hidden: frozenset[str],
    *,
    heikin_ashi: bool = False,
    color: bool = True,
    version: int = 0,
    alert_levels: Mapping[str, tuple[float, ...]] | None = None,
) -> View:
    """Slice the visible window and lay out every pane's data; `alert_levels`: column -> levels to mark."""
    total = len(chart)
    start, end = viewport.window(total, plot_width)
    count = end - start
    w = chart.window(start, end)
    ohlc = (
        chart.heikin_ashi(start, end) if heikin_ashi and count else {k: w[k] for k in ("open", "high", "low", "close")}
    )
    cursor_at = viewport.cursor_index(total)
    cursor = cursor_at - start if viewport.cursor is not None and start <= cursor_at < end else None
    overlays: list[Line] = []
    panes: dict[str, PaneData] = {}
    marks = _levels_by_pane(chart, alert_levels or {})
    for n, study in enumerate(chart.studies):
        ind = study.indicator
        lines = tuple((column_label(study, c), w[c], colour_of(c, n)) for c in study.columns)
        if ind.overlay:
            if study.kind not in hidden:
                overlays += lines
            continue
        if study.kind == "macd":
            hist = w["macd_histogram"]
            pane = PaneData(version, bars=(hist, hist >= 0), lines=lines[:2], levels=(0.0,), count=count)
        else:
            kind = "points" if ind.scale is Scale.POINTS else "volume" if ind.scale is Scale.VOLUME else "price"
            pane = PaneData(
                version,
                lines=lines,
                levels=ind.guides,
                y_range=ind.bounds,
                count=count,
                kind=kind,
            )
        marked = marks.get(study.kind, ())
        panes[study.kind] = dataclasses.replace(pane, cursor=cursor, color=color, alert_levels=marked)
    candles = PaneData(
        version,
        candles=ohlc,
        lines=tuple(overlays),
        count=count,
        cursor=cursor,
        color=color,
        alert_levels=marks.get("candles", ()),
    )
    volume = PaneData(
        version, bars=(w["volume"], w["close"] >= w["open"]), count=count, kind="volume", cursor=cursor, color=color
    )
    shown = _shown_candle(chart, cursor_at, start, ohlc, heikin_ashi) if total else None
    return View(candles, volume, panes, _legend(chart, cursor_at, shown, hidden, heikin_ashi))


def _levels_by_pane(chart: ChartData, levels: Mapping[str, tuple[float, ...]]) -> dict[str, tuple[float, ...]]:
    """Alert levels per pane: a price or overlay column's on the candles, an indicator's on its own pane."""
    pane_of = {"close": "candles"}
    for study in chart.studies:
        for column in study.columns:
            pane_of[column] = "candles" if study.indicator.overlay else study.kind
    out: dict[str, tuple[float, ...]] = {}
    for column, values in levels.items():
        if column in pane_of:
            out[pane_of[column]] = out.get(pane_of[column], ()) + values
    return out


def with_time_axis(pane: PaneData, labels: tuple[tuple[int, str], ...]) -> PaneData:
    """The same pane with time labels under it (only the lowest visible pane gets them)."""
    return dataclasses.replace(pane, x_labels=labels)


def time_labels(chart: ChartData, viewport: Viewport, plot_width: int, every: int = 14) -> tuple[tuple[int, str], ...]:
    """Time labels for the visible window, about one per `every` columns."""
    start, end = viewport.window(len(chart), plot_width)
    count = end - start
    if count == 0:
        return ()
    n = max(2, plot_width // every)
    step = max(1, count // n)
    return tuple(
        (i, fmt_axis_time(chart.candle(start + i).open_time, chart.key.interval)) for i in range(0, count, step)
    )


def _shown_candle(chart: ChartData, index: int, start: int, ohlc: Mapping[str, np.ndarray], heikin: bool) -> Candle:
    """The candle the legend describes: as drawn, so in Heikin-Ashi form while those candles are on."""
    candle = chart.candle(index)
    if not heikin:
        return candle
    at = index - start
    if 0 <= at < len(ohlc["open"]):  # in view: the values just drawn
        return with_ohlc(candle, ohlc, at)
    return chart.heikin_ashi_candle(index)


def _legend(chart: ChartData, index: int, candle: Candle | None, hidden: frozenset[str], heikin: bool) -> LegendData:
    if candle is None:
        return LegendData(chart.key, note="no candles yet")
    values: list[tuple[str, float, str, str]] = []
    for n, study in enumerate(chart.studies):
        if study.kind in hidden:
            continue
        kind = {Scale.PRICE: "price", Scale.POINTS: "points", Scale.VOLUME: "volume"}[study.indicator.scale]
        for c in study.columns:
            values.append((column_label(study, c), chart.value(c, index), kind, hex_of(colour_of(c, n))))
    forming = index >= len(chart.series.closed)
    return LegendData(chart.key, candle, forming, heikin, tuple(values))
