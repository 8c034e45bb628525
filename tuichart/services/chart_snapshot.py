"""A chart as JSON-ready data for the browser popout: the newest candles with their indicator values."""

from __future__ import annotations

import math
from typing import Any

from tuichart.services.chart_data import ChartData


def chart_snapshot(chart: ChartData, last: int) -> dict[str, Any]:
    """The newest `last` candles (the forming one included) in lightweight-charts' shape: times in seconds,
    missing indicator values as None."""
    total = len(chart)
    start = max(0, total - last)
    candles = []
    for i in range(start, total):
        c = chart.candle(i)
        candles.append(
            {
                "time": c.open_time // 1000,
                "open": c.open,
                "high": c.high,
                "low": c.low,
                "close": c.close,
                "volume": c.volume,
            }
        )
    indicators = {
        col: [v if math.isfinite(v := chart.value(col, i)) else None for i in range(start, total)]
        for col in chart.columns
    }
    return {
        "symbol": chart.key.symbol,
        "interval": chart.key.interval.value,
        "forming": chart.series.forming is not None,
        "candles": candles,
        "indicators": indicators,
    }
