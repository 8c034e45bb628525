"""Tick path: candles fed one by one, with forming updates, give the batch values; peek changes nothing."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.indicators.data import SCALES, generated
from tests.indicators.test_reference import ALL
from tuichart.domain import Candle, revalued
from tuichart.indicators import DEFAULT_STUDIES, LiveIndicators, Study, arrays_from_candles, compute, make_study


def assert_close(got: tuple[float, ...], want: dict[str, float], columns: tuple[str, ...], close: float) -> None:
    for name, value in zip(columns, got, strict=True):
        expected = want[name]
        assert math.isnan(value) == math.isnan(expected), (name, value, expected)
        if not math.isnan(expected):
            tol = 1e-9 if name in {"rsi", "stoch_k", "stoch_d", "adx", "cci", "mfi", "willr", "obv"} else 1e-9 * close
            assert abs(value - expected) <= tol * max(1.0, abs(expected) if name == "obv" else 1.0), name


def forming_versions(c: Candle, rng: np.random.Generator, n: int) -> list[Candle]:
    """How a candle looks while it forms: n snapshots whose range grows into the final one."""
    out = []
    for k in range(1, n + 1):
        frac = k / (n + 1)
        price = c.open + (c.close - c.open) * rng.random()
        out.append(
            revalued(
                c,
                high=max(c.open, price) + (c.high - max(c.open, c.close)) * frac,
                low=min(c.open, price) - (min(c.open, c.close) - c.low) * frac,
                close=price,
                volume=c.volume * frac,
            )
        )
    return out


@settings(max_examples=25, deadline=None)
@given(
    scale=st.sampled_from(SCALES),
    seed=st.integers(0, 2**32 - 1),
    history=st.integers(0, 120),
    forming=st.integers(0, 4),
)
def test_one_by_one_with_forming_updates_equals_batch(scale: float, seed: int, history: int, forming: int) -> None:
    candles = generated(scale, n=history + 80, seed=seed % 1000)
    rng = np.random.default_rng(seed)
    batch = compute(arrays_from_candles(candles), ALL)
    live = LiveIndicators(ALL)
    live.reset(candles[:history])
    for i in range(history, len(candles)):
        for snap in forming_versions(candles[i], rng, forming):
            with_snap = compute(arrays_from_candles([*candles[:i], snap]), ALL)
            assert_close(live.peek(snap), {k: v[-1] for k, v in with_snap.items()}, live.columns, snap.close)
        got = live.update(candles[i])
        assert_close(got, {k: v[i] for k, v in batch.items()}, live.columns, candles[i].close)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), peeks=st.lists(st.floats(0.5, 2.0), min_size=1, max_size=6))
def test_peek_never_changes_state(seed: int, peeks: list[float]) -> None:
    candles = generated(100.0, n=200, seed=seed)
    a, b = LiveIndicators(ALL), LiveIndicators(ALL)
    a.reset(candles[:150])
    b.reset(candles[:150])
    for f in peeks:
        c = candles[150]
        a.peek(revalued(c, close=c.close * f, high=c.high * f * 1.01, low=c.low * f * 0.99))
    for c in candles[150:]:
        assert a.update(c) == b.update(c)


@settings(max_examples=15, deadline=None)
@given(length=st.integers(2, 60), mult=st.floats(0.5, 4.0), k=st.integers(2, 30))
def test_changing_a_parameter_and_back_gives_the_original(length: int, mult: float, k: int) -> None:
    candles = generated(6e4, n=400, seed=length)
    live = LiveIndicators(DEFAULT_STUDIES)
    base = live.reset(candles[:300])
    first = [live.update(c) for c in candles[300:350]]
    changed: list[Study] = [
        s.with_params(length=length, mult=mult) if s.kind == "bb" else s.with_params(k=k) if s.kind == "stoch" else s
        for s in DEFAULT_STUDIES
    ]
    other = live.reconfigure(changed, candles[:350])
    assert np.array_equal(
        other["bb_middle"], compute(arrays_from_candles(candles[:350]), changed)["bb_middle"], equal_nan=True
    )
    [live.update(c) for c in candles[350:]]
    again = live.reconfigure(DEFAULT_STUDIES, candles[:300])
    assert all(np.array_equal(base[c], again[c], equal_nan=True) for c in base)
    assert [live.update(c) for c in candles[300:350]] == first


def test_warming_up_from_nothing_opens_each_handle_at_its_lookback() -> None:
    candles = generated(100.0, n=60, flat=False)
    live = LiveIndicators(DEFAULT_STUDIES)
    live.reset([])
    assert not live.ready
    rows = [live.update(c) for c in candles]
    assert live.ready
    first_value = {
        col: next(i for i, r in enumerate(rows) if not math.isnan(r[j])) for j, col in enumerate(live.columns)
    }
    assert first_value["ema_12"] == 11 and first_value["rsi"] == 14 and first_value["macd_signal"] == 33
    assert first_value["stoch_k"] == 15 and first_value["bb_lower"] == 19


def test_a_non_finite_tick_is_ignored() -> None:
    candles = generated(100.0, n=120, flat=False)
    live = LiveIndicators(DEFAULT_STUDIES)
    live.reset(candles[:100])
    bad = revalued(candles[100], high=float("inf"))
    assert all(math.isnan(v) for v in live.peek(bad))
    assert all(math.isnan(v) for v in live.update(bad))
    reference = LiveIndicators(DEFAULT_STUDIES)
    reference.reset(candles[:100])
    assert live.update(candles[100]) == reference.update(candles[100])


def test_sar_is_positive_for_short_positions_too() -> None:
    live = LiveIndicators([make_study("sar")])
    values = live.reset(generated(100.0, n=300, flat=False))["sar"][1:]
    assert (values > 0).all()
