"""Batch values equal TA-Lib's within 1e-9 of price (1e-9 points for oscillators), with identical NaN layout."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
import talib

from tests.indicators.data import SCALES, generated, satoshi_priced, vision_candles
from tuichart.domain import Candle, Interval, revalued
from tuichart.indicators import DEFAULT_STUDIES, arrays_from_candles, make_study, with_indicators
from tuichart.store.columns import candles_frame

POINTS = {"rsi", "stoch_k", "stoch_d", "adx", "cci", "mfi", "willr"}


def reference(c: list[Candle]) -> dict[str, np.ndarray]:
    """TA-Lib called directly with the seed's parameters, written out by hand."""
    a = arrays_from_candles(c)
    h, lo, cl, v = a["high"], a["low"], a["close"], a["volume"]
    macd, signal, hist = talib.MACD(cl, fastperiod=12, slowperiod=26, signalperiod=9)
    upper, middle, lower = talib.BBANDS(cl, timeperiod=20, nbdevup=2.0, nbdevdn=2.0, matype=talib.MA_Type.SMA)
    k, d = talib.STOCHF(h, lo, cl, fastk_period=14, fastd_period=3, fastd_matype=talib.MA_Type.SMA)
    return {
        "ema_12": talib.EMA(cl, timeperiod=12),
        "ema_26": talib.EMA(cl, timeperiod=26),
        "rsi": talib.RSI(cl, timeperiod=14),
        "macd": macd,
        "macd_signal": signal,
        "macd_histogram": hist,
        "bb_upper": upper,
        "bb_middle": middle,
        "bb_lower": lower,
        "stoch_k": k,
        "stoch_d": d,
        "sma_9": talib.SMA(cl, timeperiod=9),
        "wma_9": talib.WMA(cl, timeperiod=9),
        "atr": talib.ATR(h, lo, cl, timeperiod=14),
        "adx": talib.ADX(h, lo, cl, timeperiod=14),
        "obv": talib.OBV(cl, v),
        "cci": talib.CCI(h, lo, cl, timeperiod=20),
        "mfi": talib.MFI(h, lo, cl, v, timeperiod=14),
        "willr": talib.WILLR(h, lo, cl, timeperiod=14),
        "sar": talib.SAR(h, lo, acceleration=0.02, maximum=0.2),
    }


ALL = (*DEFAULT_STUDIES, *(make_study(k) for k in ("sma", "wma", "atr", "adx", "obv", "cci", "mfi", "willr", "sar")))


def assert_matches(candles: list[Candle]) -> pl.DataFrame:
    """Our batch path equals the hand-written TA-Lib calls: tolerance per unit, NaN exactly where TA-Lib has it."""
    out = with_indicators(candles_frame(candles), ALL)
    ref = reference(candles)
    close = np.abs(out["close"].to_numpy())
    volume = np.abs(out["volume"].to_numpy()).sum()
    for name, expected in ref.items():
        got = out[name].to_numpy()
        assert out[name].dtype == pl.Float64
        assert np.array_equal(np.isnan(got), np.isnan(expected)), name
        ok = ~np.isnan(expected)
        tol = 1e-9 if name in POINTS else (1e-9 * volume if name == "obv" else 1e-9 * close[ok])
        assert np.all(np.abs(got[ok] - expected[ok]) <= tol), name
    return out


@pytest.mark.parametrize("scale", SCALES)
def test_generated_series_at_every_price_scale(scale: float) -> None:
    out = assert_matches(generated(scale))
    flat = out.slice(320, 15)  # deep inside the flat window: TA-Lib's conventions, documented in the README
    assert np.ptp(flat["rsi"].to_numpy()) < 1e-9  # both Wilder averages shrink alike
    assert flat["stoch_k"].to_list() == [0.0] * 15
    assert flat["bb_upper"].to_list() == flat["bb_lower"].to_list()


def test_real_btcusdt_days() -> None:
    out = assert_matches(vision_candles())
    assert out.height == 4320


@pytest.mark.parametrize(("interval", "count"), [("1m", 4320), ("5m", 864), ("15m", 288), ("1h", 72)])
def test_real_moves_priced_near_1e_5(interval: str, count: int) -> None:
    """Real BTCUSDT moves at a satoshi price level (8 decimals, three significant digits): TA-Lib's values, and
    Bollinger bands that open wherever the 20 closes differ (TA-Lib 0.6 collapsed such tiny variances to zero)."""
    candles = satoshi_priced(Interval.parse(interval))
    assert len(candles) == count
    assert 9e-6 < min(c.low for c in candles) < max(c.high for c in candles) < 1.1e-5
    out = assert_matches(candles)
    close = out["close"].to_numpy()
    assert np.array_equal(close, np.round(close, 8))
    width = (out["bb_upper"] - out["bb_lower"]).to_numpy()[19:]
    windows = np.lib.stride_tricks.sliding_window_view(close, 20)
    moving = windows.max(axis=1) > windows.min(axis=1)
    assert moving.sum() > 0.9 * len(moving)
    assert np.all(width[moving] > 0) and np.all(width[~moving] == 0)


def test_leading_nan_counts_are_ta_libs_lookbacks() -> None:
    out = with_indicators(candles_frame(generated(100.0, flat=False)))
    leading = {c: int(out[c].is_nan().arg_min() or 0) for c in out.columns if c in reference([])}
    assert leading == {
        "ema_12": 11,
        "ema_26": 25,
        "rsi": 14,
        "macd": 33,
        "macd_signal": 33,
        "macd_histogram": 33,
        "bb_upper": 19,
        "bb_middle": 19,
        "bb_lower": 19,
        "stoch_k": 15,
        "stoch_d": 15,
    }


def test_definitions_not_the_naive_ones() -> None:
    candles = generated(100.0, flat=False)
    out = with_indicators(candles_frame(candles))
    close = out["close"].to_numpy()
    assert out["ema_12"][11] == pytest.approx(close[:12].mean(), rel=1e-12)  # SMA seed, not the first close
    window = close[100:120]
    half_width = out["bb_upper"][119] - out["bb_middle"][119]
    assert half_width == pytest.approx(2 * window.std(ddof=0), rel=1e-9)  # population std, not ddof=1
    assert half_width != pytest.approx(2 * window.std(ddof=1), rel=1e-3)
    gains = np.diff(close[:15]).clip(min=0).mean()
    losses = (-np.diff(close[:15])).clip(min=0).mean()
    assert out["rsi"][14] == pytest.approx(100 * gains / (gains + losses), abs=1e-9)  # Wilder seed over 14 changes


def test_flat_market_from_the_start() -> None:
    candles = [Candle(i * 60_000, 5.0, 5.0, 5.0, 5.0, 1.0, i * 60_000 + 59_999, 5.0, 1, 0.5, 2.5) for i in range(60)]
    row = with_indicators(candles_frame(candles)).row(59, named=True)
    assert (row["rsi"], row["stoch_k"], row["stoch_d"]) == (0.0, 0.0, 0.0)  # TA-Lib's 0 where TradingView has NaN
    assert row["bb_upper"] == row["bb_middle"] == row["bb_lower"] == 5.0
    assert row["macd"] == row["macd_histogram"] == 0.0


def test_bollinger_width_at_a_hundred_thousandth() -> None:
    out = with_indicators(candles_frame(generated(1e-5, flat=False)))
    width = (out["bb_upper"] - out["bb_lower"]).drop_nans()
    assert (width > 0).all()
    assert width.to_numpy().min() > 1e-9


def test_non_finite_candle_is_left_out_not_fed() -> None:
    candles = generated(100.0, n=400, flat=False)
    bad = list(candles)
    bad[200] = revalued(candles[200], close=float("nan"))
    out = with_indicators(candles_frame(bad))
    clean = with_indicators(candles_frame(candles[:200] + candles[201:]))
    assert out.row(200, named=True)["ema_12"] != out.row(200, named=True)["ema_12"]  # NaN on the bad candle
    assert np.isfinite(out["bb_upper"].to_numpy()[380:]).all()  # and not poisoning the rest
    assert out["rsi"][399] == clean["rsi"][398]


def test_an_infinity_is_left_out_like_a_nan() -> None:
    from tuichart.indicators.batch import compute_columns

    arrays = arrays_from_candles(generated(100.0, n=60, flat=False))
    broken = {**arrays, "close": arrays["close"].copy()}
    broken["close"][30] = np.inf
    out = compute_columns(broken, [make_study("sma", {"length": 5})])[0]
    clean = talib.SMA(np.delete(arrays["close"], 30), timeperiod=5)
    assert np.isnan(out[30]) and out[59] == clean[58] and out[31] == clean[30]
