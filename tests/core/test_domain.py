"""Intervals: all 16, Binance's alignment, 1m vs 1M."""

from __future__ import annotations

import itertools
import json
import pickle
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime

import pytest

from tests.data_paths import REST_DOCS, VISION_ZIPS, WS_CAPTURE
from tuichart.binance.vision import read_kline_file
from tuichart.domain import ALL_INTERVALS, Interval, SeriesKey, normalize_symbol
from tuichart.errors import BadInput


def ms(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp() * 1000)


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


def test_alignment_against_open_times_binance_set() -> None:
    """Every 1m row of the three data.binance.vision days and every kline of the websocket capture, each daily file
    (one UTC day), and the 1w row of the klines response example in Binance's Spot API docs (Market Data
    endpoints, Kline/Candlestick data): a Monday 00:00 UTC open, closing the next Sunday at 23:59:59.999."""
    for path in VISION_ZIPS:
        day = read_kline_file(path)
        assert {Interval.D1.open_time(c.open_time) for c in day} == {day[0].open_time}
        assert datetime.fromtimestamp(day[0].open_time / 1000, UTC).strftime("%Y-%m-%d") in path.name
        for c in day:
            assert Interval.M1.open_time(c.open_time + 1234) == c.open_time
            assert Interval.M1.close_time(c.open_time) == c.close_time
    frames = [json.loads(line.split(": ", 1)[1]) for line in WS_CAPTURE.read_text().splitlines()[1:]]
    klines = [f["data"]["k"] for f in frames if "@kline_" in f["stream"]]
    assert len(klines) == 17
    for k in klines:
        interval = Interval.parse(k["i"])
        assert (interval.open_time(k["t"] + 1234), interval.close_time(k["t"])) == (k["t"], k["T"])
    week = json.loads((REST_DOCS / "klines.json").read_text())[0]
    assert Interval.W1.open_time(week[0] + 3 * 86_400_000) == week[0]
    assert Interval.W1.close_time(week[0]) == week[6]


@pytest.mark.parametrize("code", ["3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d"])
def test_the_real_days_fill_whole_candles(code: str) -> None:
    """The three real days start at 00:00 UTC without a gap, so each interval up to 3d cuts them into full candles;
    a grid off by any amount leaves a part candle at each end. 2020-01-01 lies on the 3d grid (2017-11-30 + 762 d)."""
    interval = Interval.parse(code)
    minutes = [c.open_time for path in VISION_ZIPS for c in read_kline_file(path)]
    counts = Counter(interval.open_time(t) for t in minutes)
    assert set(counts.values()) == {interval.nominal_ms // 60_000}
    assert len(counts) == 3 * 86_400_000 // interval.nominal_ms
    assert min(counts) == minutes[0]
    for a, b in itertools.pairwise(sorted(counts)):
        assert interval.next_open(a) == b


def test_stream_name_is_lowercase() -> None:
    assert SeriesKey("BTCUSDT", Interval.MO1).stream == "btcusdt@kline_1M"
    assert normalize_symbol(" ethusdt ") == "ETHUSDT"
    with pytest.raises(BadInput):
        normalize_symbol("BTC/USDT")


def test_a_key_from_another_process_finds_its_series() -> None:
    """A key's hash is computed once, in the process that holds it: one unpickled from elsewhere hashes anew."""
    code = "import pickle, sys; from tuichart.domain import *; "
    code += "sys.stdout.buffer.write(pickle.dumps(SeriesKey('ETHBTC', Interval.H4)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, check=True).stdout
    key = pickle.loads(out)
    assert {SeriesKey("ETHBTC", Interval.H4): 1}.get(key) == 1
    assert key in {SeriesKey("ETHBTC", Interval.H4)} and key != SeriesKey("ETHBTC", Interval.H1)
    assert repr(key) == "SeriesKey(symbol='ETHBTC', interval=<Interval.H4: '4h'>)"
