"""Intervals: all 16, Binance's alignment, 1m vs 1M."""

from __future__ import annotations

import itertools
import json
import sqlite3
from datetime import UTC, datetime

import pytest

from tests.conftest import SAMPLES
from tuichart.domain import ALL_INTERVALS, Interval, SeriesKey, normalize_symbol
from tuichart.errors import BadInput


def ms(*args: int) -> int:
    return int(datetime(*args, tzinfo=UTC).timestamp() * 1000)


def test_all_sixteen_intervals_in_binance_order() -> None:
    assert [i.value for i in ALL_INTERVALS] == [
        "1s",
        "1m",
        "3m",
        "5m",
        "15m",
        "30m",
        "1h",
        "2h",
        "4h",
        "6h",
        "8h",
        "12h",
        "1d",
        "3d",
        "1w",
        "1M",
    ]


def test_minute_and_month_are_never_confused() -> None:
    assert Interval.parse("1m") is Interval.M1
    assert Interval.parse("1M") is Interval.MO1
    assert Interval.parse("1mo") is Interval.MO1
    assert Interval.M1.nominal_ms == 60_000
    with pytest.raises(BadInput, match="months are 1M"):
        Interval.parse("1month")
    with pytest.raises(BadInput, match="unknown interval '7m'"):
        Interval.parse("7m")


def test_week_opens_monday_month_on_the_first() -> None:
    t = ms(2024, 3, 14, 15, 30)  # a Thursday
    assert Interval.W1.open_time(t) == ms(2024, 3, 11)
    assert datetime.fromtimestamp(Interval.W1.open_time(t) / 1000, UTC).weekday() == 0
    assert Interval.MO1.open_time(t) == ms(2024, 3, 1)
    assert Interval.MO1.next_open(ms(2024, 2, 1)) == ms(2024, 3, 1)
    assert Interval.MO1.close_time(ms(2024, 12, 1)) == ms(2025, 1, 1) - 1
    assert Interval.H4.open_time(t) == ms(2024, 3, 14, 12)
    assert Interval.M15.close_time(ms(2024, 3, 14, 15, 30)) == ms(2024, 3, 14, 15, 45) - 1


def test_three_day_grid_matches_binance() -> None:
    assert Interval.D3.open_time(ms(2017, 12, 1, 5)) == ms(2017, 11, 30)
    assert Interval.D3.next_open(ms(2017, 11, 30)) == ms(2017, 12, 3)


@pytest.mark.parametrize("code", ["1m", "5m", "1h", "1d", "3d", "1w", "1M", "15m", "4h", "12h"])
def test_alignment_against_real_octobot_candles(code: str) -> None:
    path = next((SAMPLES / "octobot_sqlite_ADA_BTC").glob("*.data"))
    with sqlite3.connect(path) as db:
        rows = db.execute("SELECT candle FROM ohlcv WHERE time_frame = ?", (code,)).fetchall()
    assert rows, code
    interval = Interval.parse(code)
    opens = sorted(
        int(json.loads(r[0])[0] * 1000) if json.loads(r[0])[0] < 1e12 else int(json.loads(r[0])[0]) for r in rows
    )
    for t in opens:
        assert interval.open_time(t + 1234) == t
    for a, b in itertools.pairwise(opens):
        assert interval.next_open(a) <= b


def test_stream_name_is_lowercase() -> None:
    assert SeriesKey("BTCUSDT", Interval.MO1).stream == "btcusdt@kline_1M"
    assert normalize_symbol(" ethusdt ") == "ETHUSDT"
    with pytest.raises(BadInput):
        normalize_symbol("BTC/USDT")
