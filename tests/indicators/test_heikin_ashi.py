"""Heikin-Ashi: the arrays the chart draws follow the textbook formulas, for the closed and the forming candle."""

from __future__ import annotations

import numpy as np
import pytest

from tests.indicators.data import SCALES, generated, heikin_ashi_by_hand
from tuichart.domain import Candle, Interval, KlineEvent, SeriesKey, revalued
from tuichart.engine.chart_data import ChartData
from tuichart.indicators import DEFAULT_STUDIES, heikin_ashi_arrays


def ohlc_arrays(candles: list[Candle]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return (
        np.array([c.open for c in candles]),
        np.array([c.high for c in candles]),
        np.array([c.low for c in candles]),
        np.array([c.close for c in candles]),
    )


def test_first_candles_by_hand() -> None:
    a = Candle(0, 10.0, 14.0, 9.0, 12.0, 1.0, 59_999, 0.0, 1, 0.0, 0.0)
    b = Candle(60_000, 12.0, 13.0, 8.0, 9.0, 1.0, 119_999, 0.0, 1, 0.0, 0.0)
    o, h, low, c = heikin_ashi_arrays(*ohlc_arrays([a, b]))
    assert (o[0], h[0], low[0], c[0]) == (11.0, 14.0, 9.0, 11.25)
    assert (o[1], h[1], low[1], c[1]) == (11.125, 13.0, 8.0, 10.5)


@pytest.mark.parametrize("scale", SCALES)
def test_arrays_equal_the_recurrence_and_wrap_the_body(scale: float) -> None:
    candles = generated(scale, n=500)
    o, h, low, c = heikin_ashi_arrays(*ohlc_arrays(candles))
    want = np.array(heikin_ashi_by_hand(candles))
    got = np.column_stack([o, h, low, c])
    assert got.shape == (500, 4)
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    assert (h >= np.maximum(o, c)).all() and (low <= np.minimum(o, c)).all()
    assert (h >= [x.high for x in candles]).all() and (low <= [x.low for x in candles]).all()


def test_the_chart_draws_heikin_ashi_of_its_candles_and_the_forming_one() -> None:
    key = SeriesKey("BTCUSDT", Interval.M1)
    candles = generated(6e4, n=500)
    chart = ChartData(key, DEFAULT_STUDIES, candles[:499])
    forming = revalued(candles[499], close=candles[499].close * 1.002, high=candles[499].high * 1.003)
    chart.apply(KlineEvent(key, forming, False, forming.open_time + 1_000))
    assert len(chart) == 500
    want = heikin_ashi_by_hand([*candles[:499], forming])
    drawn = chart.heikin_ashi(300, 500)
    got = np.column_stack([drawn[f] for f in ("open", "high", "low", "close")])
    np.testing.assert_allclose(got, np.array(want[300:]), rtol=1e-15, atol=0)
    shown = chart.heikin_ashi_candle(499)
    assert (shown.open, shown.high, shown.low, shown.close) == pytest.approx(want[499], rel=1e-15)
    assert (shown.volume, shown.open_time, shown.close_time) == (forming.volume, forming.open_time, forming.close_time)
    assert shown.close != forming.close and shown.open != forming.open
