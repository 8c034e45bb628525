"""The in-memory series: forming replaces, x:true appends once, late and older pushes are handled."""

from __future__ import annotations

from tests.data_paths import VISION_ZIPS
from tuichart.binance.vision import read_kline_file
from tuichart.domain import Interval, KlineEvent, SeriesKey, revalued
from tuichart.series import Change, Series

KEY = SeriesKey("BTCUSDT", Interval.M1)


def test_forming_updates_then_close_append_once() -> None:
    day = read_kline_file(VISION_ZIPS[0])[:5]
    s = Series(KEY, day[:2])
    partial = revalued(day[2], close=day[2].open, high=day[2].open, low=day[2].open, volume=0.0)
    assert s.apply(KlineEvent(KEY, partial, False, 1)) is Change.FORMING
    assert s.forming == partial and len(s) == 2
    assert s.apply(KlineEvent(KEY, day[2], True, 2)) is Change.CLOSED
    assert s.forming is None and s.closed[-1] == day[2]
    assert s.apply(KlineEvent(KEY, day[2], True, 3)) is Change.STALE  # a repeated x:true
    assert s.apply(KlineEvent(KEY, partial, False, 4)) is Change.STALE  # a late x:false for a closed candle
    assert len(s) == 3
    assert s.apply(KlineEvent(KEY, day[3], False, 5)) is Change.FORMING
    assert s.apply(KlineEvent(KEY, day[4], True, 6)) is Change.CLOSED  # REST fills in a later candle
    assert s.forming is None
    assert s.apply(KlineEvent(KEY, day[3], True, 7)) is Change.REVISED  # the missed one arrives late
    assert list(s.closed) == day and s.last_closed_open == day[-1].open_time


def test_revision_and_older_history() -> None:
    day = read_kline_file(VISION_ZIPS[0])[:10]
    s = Series(KEY, day[5:])
    fixed = revalued(day[7], close=1.0)
    assert s.apply(KlineEvent(KEY, fixed, True, 1)) is Change.REVISED
    assert s.closed[2] == fixed
    assert s.extend_older(day[:6]) == 5
    assert [c.open_time for c in s.closed] == [c.open_time for c in day]
