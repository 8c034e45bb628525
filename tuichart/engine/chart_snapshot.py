"""A chart as JSON-ready data for the browser popout: the newest candles with their indicator values."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from tuichart.binance.presets import Endpoints
from tuichart.domain import Candle, SeriesKey
from tuichart.engine.chart_data import ChartData
from tuichart.engine.history import load_history
from tuichart.indicators import MIN_WARMUP, Study
from tuichart.store import Store


def chart_snapshot(chart: ChartData, last: int) -> dict[str, Any]:
    """The newest `last` candles (the forming one included) in lightweight-charts' shape: times in seconds,
    missing indicator values as None."""
    rows = range(max(0, len(chart) - last), len(chart))
    return {
        "symbol": chart.key.symbol,
        "interval": chart.key.interval.value,
        "forming": chart.series.forming is not None,
        "candles": [_candle(chart.candle(i)) for i in rows],
        "indicators": {col: [_value(chart, col, i) for i in rows] for col in chart.columns},
        "studies": [_study(s) for s in chart.studies],
    }


def _study(study: Study) -> dict[str, Any]:
    """How the page draws a study: its pane title, columns, and its scale's bounds and guide lines."""
    ind = study.indicator
    return {
        "kind": study.kind,
        "label": study.label,
        "columns": list(study.columns),
        "overlay": ind.overlay,
        "scale": ind.scale.value,
        "bounds": list(ind.bounds) if ind.bounds else None,
        "guides": list(ind.guides),
    }


def last_candle(chart: ChartData) -> dict[str, Any]:
    """The newest candle with its indicator values: what a live page updates with."""
    i = len(chart) - 1
    return {
        "type": "candle",
        "symbol": chart.key.symbol,
        "interval": chart.key.interval.value,
        "candle": _candle(chart.candle(i)),
        "indicators": {col: _value(chart, col, i) for col in chart.columns},
    }


def _candle(c: Candle) -> dict[str, Any]:
    return {
        "time": c.open_time // 1000,
        "open": c.open,
        "high": c.high,
        "low": c.low,
        "close": c.close,
        "volume": c.volume,
    }


def _value(chart: ChartData, column: str, i: int) -> float | None:
    v = chart.value(column, i)
    return v if math.isfinite(v) else None


def stored_snapshot(
    store: Store, key: SeriesKey, studies: Sequence[Study], last: int, endpoints: Endpoints | None
) -> dict[str, Any]:
    """A snapshot of a series not on screen: its history (filled in over REST when `endpoints`), warmed up.

    Blocking; run it in a thread."""
    history = load_history(store, key, MIN_WARMUP + last, endpoints=endpoints)
    return chart_snapshot(ChartData(key, studies, history.candles), last)
