"""What each indicator is: its TA-Lib function, inputs, parameters (TradingView's labels) and output columns."""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Scale(enum.Enum):
    """The unit an indicator's values are in, which decides where it is drawn and how it is compared."""

    PRICE = "price"  # drawn over the candles or in price units: tolerance relative to the close
    POINTS = "points"  # an oscillator in points (RSI, %K): absolute tolerance
    VOLUME = "volume"  # running volume sums (OBV)


@dataclass(frozen=True, slots=True)
class Param:
    """One parameter: its name as TradingView labels it, the TA-Lib keyword it feeds, default and bounds."""

    name: str
    talib: str
    default: float
    low: float
    high: float
    integer: bool = True


@dataclass(frozen=True, slots=True)
class Indicator:
    """One registry entry: everything needed to run it in batch and on ticks."""

    kind: str
    title: str
    function: str
    inputs: tuple[str, ...]
    params: tuple[Param, ...]
    outputs: tuple[str, ...]
    scale: Scale
    overlay: bool
    fixed: tuple[tuple[str, float], ...] = ()
    """TA-Lib keywords set by us, not the user (e.g. the moving-average type)."""
    named_by_length: bool = False
    """Column named `<kind>_<length>` so several instances can coexist (moving averages)."""
    absolute: bool = False
    """Take the absolute value of the output (SAREXT marks short positions with a minus sign)."""
    bounds: tuple[float, float] | None = None
    """The range the values stay in (an oscillator's): its pane's scale is fixed to it."""
    guides: tuple[float, ...] = ()
    """Levels drawn across its pane (oversold / overbought)."""


def _length(default: int, talib: str = "timeperiod", low: int = 1) -> Param:
    return Param("length", talib, default, low, 100_000)


def _ma(kind: str, title: str, function: str) -> Indicator:
    return Indicator(
        kind, title, function, ("close",), (_length(9, low=2),), (kind,), Scale.PRICE, True, named_by_length=True
    )


_HLC = ("high", "low", "close")

REGISTRY: dict[str, Indicator] = {
    ind.kind: ind
    for ind in (
        _ma("ema", "EMA", "EMA"),
        _ma("sma", "SMA", "SMA"),
        _ma("wma", "WMA", "WMA"),
        Indicator(
            "rsi",
            "RSI",
            "RSI",
            ("close",),
            (_length(14, low=2),),
            ("rsi",),
            Scale.POINTS,
            False,
            bounds=(0.0, 100.0),
            guides=(30.0, 70.0),
        ),
        Indicator(
            "macd",
            "MACD",
            "MACD",
            ("close",),
            (
                Param("fast", "fastperiod", 12, 2, 100_000),
                Param("slow", "slowperiod", 26, 2, 100_000),
                Param("signal", "signalperiod", 9, 1, 100_000),
            ),
            ("macd", "macd_signal", "macd_histogram"),
            Scale.PRICE,
            False,
        ),
        Indicator(
            "bb",
            "BB",
            "BBANDS",
            ("close",),
            (_length(20, low=2), Param("mult", "nbdevup", 2.0, 0.001, 50.0, integer=False)),
            ("bb_upper", "bb_middle", "bb_lower"),
            Scale.PRICE,
            True,
            fixed=(("matype", 0),),
        ),
        Indicator(
            "stoch",
            "Stoch",
            "STOCHF",
            _HLC,
            (Param("k", "fastk_period", 14, 1, 100_000), Param("d", "fastd_period", 3, 1, 100_000)),
            ("stoch_k", "stoch_d"),
            Scale.POINTS,
            False,
            fixed=(("fastd_matype", 0),),
            bounds=(0.0, 100.0),
            guides=(20.0, 80.0),
        ),
        Indicator("atr", "ATR", "ATR", _HLC, (_length(14),), ("atr",), Scale.PRICE, False),
        Indicator("adx", "ADX", "ADX", _HLC, (_length(14, low=2),), ("adx",), Scale.POINTS, False),
        Indicator("obv", "OBV", "OBV", ("close", "volume"), (), ("obv",), Scale.VOLUME, False),
        Indicator(
            "cci", "CCI", "CCI", _HLC, (_length(20, low=2),), ("cci",), Scale.POINTS, False, guides=(-100.0, 100.0)
        ),
        Indicator(
            "mfi",
            "MFI",
            "MFI",
            (*_HLC, "volume"),
            (_length(14),),
            ("mfi",),
            Scale.POINTS,
            False,
            bounds=(0.0, 100.0),
            guides=(20.0, 80.0),
        ),
        Indicator(
            "willr",
            "%R",
            "WILLR",
            _HLC,
            (_length(14),),
            ("willr",),
            Scale.POINTS,
            False,
            bounds=(-100.0, 0.0),
            guides=(-80.0, -20.0),
        ),
        Indicator(
            "sar",
            "SAR",
            "SAREXT",
            ("high", "low"),
            (
                Param("start", "accelerationinitlong", 0.02, 0.0, 1.0, integer=False),
                Param("increment", "accelerationlong", 0.02, 0.0001, 1.0, integer=False),
                Param("maximum", "accelerationmaxlong", 0.2, 0.0001, 1.0, integer=False),
            ),
            ("sar",),
            Scale.PRICE,
            True,
            absolute=True,
        ),
    )
}

MIRRORED: dict[str, str] = {
    "nbdevup": "nbdevdn",
    "accelerationinitlong": "accelerationinitshort",
    "accelerationlong": "accelerationshort",
    "accelerationmaxlong": "accelerationmaxshort",
}
"""TA-Lib keywords that take the same value as another (symmetric bands, long/short SAR)."""
