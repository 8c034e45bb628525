"""Indicators over TA-Lib: a registry of studies, batch on history, stream handles on ticks."""

from tuichart.indicators.batch import arrays_from_candles, arrays_from_frame, compute, with_indicators
from tuichart.indicators.heikin_ashi import heikin_ashi_arrays
from tuichart.indicators.live import LiveIndicators
from tuichart.indicators.registry import REGISTRY, Indicator, Param, Scale
from tuichart.indicators.study import DEFAULT_STUDIES, Study, make_study, studies_from_config

MIN_WARMUP = 500
"""Closed candles loaded before the first drawn or exported bar, so values agree with TradingView."""

__all__ = [
    "DEFAULT_STUDIES",
    "MIN_WARMUP",
    "REGISTRY",
    "Indicator",
    "LiveIndicators",
    "Param",
    "Scale",
    "Study",
    "arrays_from_candles",
    "arrays_from_frame",
    "compute",
    "heikin_ashi_arrays",
    "make_study",
    "studies_from_config",
    "with_indicators",
]
