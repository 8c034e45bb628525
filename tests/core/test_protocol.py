"""Pure parsing against the real 2021-08-14 websocket and exchangeInfo capture, the real data.binance.vision rows
and the response examples of Binance's Spot API docs."""

from __future__ import annotations

import itertools
import json
import zipfile
from typing import Any

import pytest

from tests.data_paths import REST_CAPTURE, REST_DOCS, VISION_ZIPS, WS_CAPTURE
from tuichart.binance.encoding import kline_payload, kline_row
from tuichart.binance.protocol import (
    ControlReply,
    ErrorReply,
    FrameParser,
    ServerShutdown,
    parse_error_body,
    parse_exchange_info,
    parse_klines,
    parse_ticker_24hr,
)
from tuichart.binance.vision import read_kline_file
from tuichart.domain import Interval, KlineEvent, SeriesKey, TickerEvent


def capture_frames() -> list[str]:
    lines = WS_CAPTURE.read_text().splitlines()[1:]
    return [line.split(": ", 1)[1] for line in lines]


def test_every_kline_frame_field_by_field() -> None:
    parser = FrameParser()
    raw_klines = [json.loads(f) for f in capture_frames() if "@kline_" in f]
    assert len(raw_klines) == 17
    for raw in raw_klines:
        events = parser.parse(json.dumps(raw))
        assert len(events) == 1
        ev = events[0]
        assert isinstance(ev, KlineEvent)
        k = raw["data"]["k"]
        c = ev.candle
        assert ev.key == SeriesKey(k["s"], Interval(k["i"]))
        assert ev.event_time == raw["data"]["E"]
        assert ev.closed is k["x"]
        assert (c.open_time, c.close_time, c.trades) == (k["t"], k["T"], k["n"])
        assert c.open == float(k["o"]) and c.close == float(k["c"])
        assert c.high == float(k["h"]) and c.low == float(k["l"])
        assert c.high >= max(c.open, c.close) and c.low <= min(c.open, c.close)
        assert (c.volume, c.quote_volume) == (float(k["v"]), float(k["q"]))
        assert (c.taker_buy_volume, c.taker_buy_quote_volume) == (float(k["V"]), float(k["Q"]))


def test_whole_capture_other_streams_ignored_none_malformed() -> None:
    parser = FrameParser()
    events = [e for f in capture_frames() for e in parser.parse(f)]
    assert len(events) == 17
    assert parser.malformed == 0
    assert parser.ignored == 1003 - 17
    closed = [e for e in events if isinstance(e, KlineEvent) and e.closed]
    assert sorted(e.key.symbol for e in closed) == ["FTMUSDT", "SXPBTC"]
    late = [e for e in events if isinstance(e, KlineEvent) and e.key.symbol == "XMRBTC"]
    assert any(e.event_time > e.candle.close_time and not e.closed for e in late)


@pytest.mark.parametrize(
    ("frame", "expected"),
    [
        ('{"result":null,"id":1}', ControlReply(1, None)),
        ('{"result":["btcusdt@kline_1m"],"id":"abc"}', ControlReply("abc", ["btcusdt@kline_1m"])),
        ('{"code":2,"msg":"Invalid request: unknown method"}', ErrorReply(None, 2, "Invalid request: unknown method")),
        ('{"error":{"code":4,"msg":"Too many subscriptions"},"id":9}', ErrorReply(9, 4, "Too many subscriptions")),
        ('{"stream":"!serverShutdown","data":{"e":"serverShutdown","E":1778198400000}}', ServerShutdown(1778198400000)),
        ('{"e":"serverShutdown","E":5}', ServerShutdown(5)),
    ],
)
def test_control_frames(frame: str, expected: object) -> None:
    assert FrameParser().parse(frame) == [expected]


def test_mini_tickers_raw_combined_and_array() -> None:
    t = '{"e":"24hrMiniTicker","E":1,"s":"BTCUSDT","c":"110","o":"100","h":"120","l":"90","v":"5","q":"6"}'
    parser = FrameParser()
    for frame in (t, '{"stream":"btcusdt@miniTicker","data":' + t + "}", "[" + t + "," + t + "]"):
        events = parser.parse(frame)
        assert events and all(isinstance(e, TickerEvent) for e in events)
        ev = events[0]
        assert isinstance(ev, TickerEvent)
        assert ev.change_pct == pytest.approx(10.0)
    assert parser.malformed == 0


@pytest.mark.parametrize(
    "frame",
    [
        "",
        "not json",
        "{",
        "[1,2,3]",
        '{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1}}',
        '{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"k":{"t":"x"}}}',
        '{"e":"kline","E":1,"k":{"t":1,"T":2,"s":"BTCUSDT","i":"7m","o":"1","c":"1","h":"1","l":"1",'
        '"v":"1","n":1,"x":true,"q":"1","V":"1","Q":"1"}}',
        "{}",
    ],
)
def test_malformed_frames_are_counted_never_raised(frame: str) -> None:
    parser = FrameParser()
    assert parser.parse(frame) == []
    assert parser.malformed == 1


def test_encoder_round_trips_through_the_parser() -> None:
    raw = json.loads(next(f for f in capture_frames() if '"x":true' in f))
    ev = FrameParser().parse(json.dumps(raw))[0]
    assert isinstance(ev, KlineEvent)
    again = FrameParser().parse(json.dumps(kline_payload(ev.key, ev.candle, ev.closed, ev.event_time)))
    assert again == [ev]


def test_rest_klines_documented_example() -> None:
    """The GET /api/v3/klines response example in Binance's Spot API docs (Market Data endpoints,
    Kline/Candlestick data): one weekly row, every field in place, re-encoded to the same text."""
    rows: list[Any] = json.loads((REST_DOCS / "klines.json").read_text())
    [c] = parse_klines(rows)
    assert (c.open_time, c.close_time, c.trades) == (1499040000000, 1499644799999, 308)
    assert (c.open, c.high, c.low, c.close) == (0.0163479, 0.8, 0.015758, 0.015771)
    assert (c.volume, c.quote_volume) == (148976.11427815, 2434.19055334)
    assert (c.taker_buy_volume, c.taker_buy_quote_volume) == (1756.87402397, 28.46694368)
    assert kline_row(c) == rows[0]


def test_rest_klines_from_real_rows() -> None:
    """A klines body made of real rows (the data.binance.vision CSV has the response's 12 columns) parses to the
    file reader's candles, in order, and re-encodes to the same text."""
    lines = zipfile.ZipFile(VISION_ZIPS[0]).read("BTCUSDT-1m-2020-01-01.csv").decode().splitlines()[:10]
    rows = [[int(f) if i in (0, 6, 8) else f for i, f in enumerate(line.split(","))] for line in lines]
    candles = parse_klines(rows)
    assert candles == read_kline_file(VISION_ZIPS[0])[:10]
    assert all(b.open_time - a.open_time == 60_000 for a, b in itertools.pairwise(candles))
    assert all(c.close_time == c.open_time + 59_999 for c in candles)
    assert [kline_row(c) for c in candles] == rows


def test_rest_exchange_info_and_ticker() -> None:
    """exchangeInfo and ticker/24hr as the Spot API docs show them (General endpoints, Exchange information, its
    rateLimits from the ENUM definitions' Rate limiters; Market Data endpoints, 24hr ticker price change
    statistics, Response - FULL), and the full real exchangeInfo of 2021-08-14."""
    info = parse_exchange_info(json.loads((REST_DOCS / "exchange_info.json").read_text()))
    assert info.trading == ["ETHBTC"]
    assert (info.symbols["ETHBTC"].base_asset, info.symbols["ETHBTC"].quote_asset) == ("ETH", "BTC")
    assert info.weight_limit_1m == 6000
    full = json.loads(REST_CAPTURE.read_text().splitlines()[0].split(": ", 1)[1])
    big = parse_exchange_info(full)
    assert len(big.symbols) == 1589 and len(big.trading) == 1193
    assert big.weight_limit_1m == 1200
    t = parse_ticker_24hr(json.loads((REST_DOCS / "ticker_24hr.json").read_text()))
    assert (t.symbol, t.last, t.open, t.high, t.low) == ("BNBBTC", 4.000002, 99.0, 100.0, 0.1)
    assert (t.volume, t.quote_volume, t.change_pct, t.close_time) == (8913.3, 15.3, -95.96, 1499869899040)


def test_error_bodies() -> None:
    assert parse_error_body({"code": -1121, "msg": "Invalid symbol."}) == (-1121, "Invalid symbol.")
    assert parse_error_body("<html>") == (None, "<html>")
