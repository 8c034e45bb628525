"""Klines unfit to store are named: non-finite, negative, inverted, off the grid."""

from __future__ import annotations

import msgspec
import pytest

from tuichart.candle_check import candle_problem
from tuichart.domain import Candle, Interval, SeriesKey

BASE = Candle(1_577_836_800_000, 10.0, 12.0, 9.0, 11.0, 5.0, 1_577_836_859_999, 50.0, 3, 2.0, 20.0)


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({}, None),
        ({"open": 9.0, "close": 12.0}, None),  # at the bounds
        ({"volume": 0.0, "trades": 0, "quote_volume": 0.0, "taker_buy_volume": 0.0, "taker_buy_quote_volume": 0.0},
         None),  # a zero-trade candle is real
        ({"quote_volume": 1e308, "taker_buy_quote_volume": 1e308}, None),  # finite, though their sum is not
        ({"high": float("nan")}, "not a finite number"),
        ({"volume": float("inf")}, "not a finite number"),
        ({"open": -1.0, "low": -2.0}, "negative"),
        ({"trades": -1}, "negative"),
        ({"high": 8.0}, "high below low"),
        ({"open": 13.0}, "open or close outside [low, high]"),
        ({"close": 8.5}, "open or close outside [low, high]"),
        ({"open_time": 1_577_836_800_001}, "off the 1m grid"),
        ({"close_time": 1_577_836_860_000}, "close time"),
    ],
)  # fmt: skip
def test_candle_problems(change: dict[str, object], problem: str | None) -> None:
    found = candle_problem(SeriesKey("BTCUSDT", Interval.M1), msgspec.structs.replace(BASE, **change))
    if problem is None:
        assert found is None
    else:
        assert found is not None and problem in found
