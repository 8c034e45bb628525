"""Heikin-Ashi: the batch transform and the live one agree, and follow the textbook formulas."""

from __future__ import annotations

import numpy as np
import pytest

from tests.indicators.data import generated
from tuichart.domain import Candle
from tuichart.indicators import HeikinAshi, heikin_ashi
from tuichart.store.columns import candles_frame


def test_first_candles_by_hand() -> None:
    a = Candle(0, 10.0, 14.0, 9.0, 12.0, 1.0, 59_999, 0.0, 1, 0.0, 0.0)
    b = Candle(60_000, 12.0, 13.0, 8.0, 9.0, 1.0, 119_999, 0.0, 1, 0.0, 0.0)
    ha = HeikinAshi()
    first, second = ha.update(a), ha.update(b)
    assert (first.open, first.high, first.low, first.close) == (11.0, 14.0, 9.0, 11.25)
    assert (second.open, second.high, second.low, second.close) == (11.125, 13.0, 8.0, 10.5)
    assert second.volume == 1.0 and second.open_time == 60_000


def test_live_equals_batch_and_peek_is_pure() -> None:
    candles = generated(6e4, n=500)
    frame = heikin_ashi(candles_frame(candles))
    ha = HeikinAshi(candles[:200])
    for c in candles[200:]:
        peeked = ha.peek(c)
        assert ha.peek(c) == peeked
        last = ha.update(c)
        assert last == peeked
    row = frame.row(499, named=True)
    assert (row["open"], row["high"], row["low"], row["close"]) == pytest.approx(
        (last.open, last.high, last.low, last.close), rel=1e-15
    )
    body_top = np.maximum(frame["open"].to_numpy(), frame["close"].to_numpy())
    assert (frame["high"].to_numpy() >= body_top).all()
