"""The demo's market on a real loopback exchange: a full symbol list, every interval from 1s, the wall clock."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import httpx
import pytest
from websockets.asyncio.client import connect

from tuichart.binance.presets import resolve_exchange
from tuichart.binance.protocol import FrameParser, parse_klines
from tuichart.binance.rest import RestClient
from tuichart.domain import Interval, KlineEvent, SeriesKey
from tuichart.exchange import EmbeddedExchange, Market, demo_market
from tuichart.exchange.listing import CATALOG

WATCHLIST = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
DAY_MS = 86_400_000


@pytest.fixture()
async def ex() -> AsyncIterator[EmbeddedExchange]:
    async with EmbeddedExchange(demo_market(WATCHLIST), forming_every=0.25) as exchange:
        yield exchange


async def test_exchange_info_lists_hundreds_of_symbols_over_several_quotes(ex: EmbeddedExchange) -> None:
    async with httpx.AsyncClient(base_url=ex.url) as c:
        body = (await c.get("/api/v3/exchangeInfo")).json()
    trading = [s for s in body["symbols"] if s["status"] == "TRADING"]
    assert len(trading) >= 300
    assert all(s["symbol"] == s["baseAsset"] + s["quoteAsset"] for s in trading)
    quotes = {s["quoteAsset"] for s in trading}
    assert {"USDT", "BTC", "ETH", "BNB", "FDUSD", "USDC", "TRY", "EUR"} <= quotes
    assert sum(1 for s in trading if s["quoteAsset"] != "USDT") >= 150
    async with RestClient(resolve_exchange(ex.url)) as rest:  # what the app's `a` searches
        names = (await rest.exchange_info()).trading
    assert {"PEPEUSDT", "SHIBUSDT", "ETHBTC", "BTCTRY", "SOLFDUSD"} <= set(names) and len(names) == len(trading)
    assert isinstance(ex.market, Market) and len(ex.market.bars) == len(WATCHLIST)  # listing generates no candles


async def test_prices_span_tiny_coins_to_bitcoin_in_lira(ex: EmbeddedExchange) -> None:
    by_price = sorted(CATALOG, key=lambda s: CATALOG[s].price)
    closes: dict[str, float] = {}
    async with httpx.AsyncClient(base_url=ex.url) as c:
        for sym in [*by_price[:3], "PEPEUSDT", "SHIBUSDT", "BTCUSDT", *by_price[-3:]]:
            rows = (await c.get("/api/v3/klines", params={"symbol": sym, "interval": "1h", "limit": 24})).json()
            closes[sym] = float(rows[-1][4])
            assert len(rows) == 24 and all(float(r[3]) <= float(r[4]) <= float(r[2]) for r in rows)
    assert 0 < min(closes.values()) <= 1e-7
    assert max(closes.values()) >= 1e5
    assert 1e-6 < closes["PEPEUSDT"] < 1e-4 and 1e-6 < closes["SHIBUSDT"] < 1e-4
    assert 1e4 < closes["BTCUSDT"] < 1e6


async def test_every_interval_is_served_and_1s_candles_make_up_the_minute(ex: EmbeddedExchange) -> None:
    async with httpx.AsyncClient(base_url=ex.url) as c:
        for iv in Interval:
            r = await c.get("/api/v3/klines", params={"symbol": "ETHUSDT", "interval": iv.value, "limit": 3})
            assert r.status_code == 200 and r.json(), iv
        now = int((await c.get("/api/v3/time")).json()["serverTime"])
        minute = SeriesKey("ETHUSDT", Interval.M1).interval.open_time(now) - 60_000  # the last closed minute
        params: dict[str, str | int] = {"symbol": "ETHUSDT", "startTime": minute, "endTime": minute + 59_999}
        (whole,) = parse_klines((await c.get("/api/v3/klines", params={**params, "interval": "1m"})).json())
        seconds = parse_klines((await c.get("/api/v3/klines", params={**params, "interval": "1s", "limit": 60})).json())
        newest = parse_klines((await c.get("/api/v3/klines", params={"symbol": "ETHUSDT", "interval": "1s"})).json())
        after = int((await c.get("/api/v3/time")).json()["serverTime"])
    assert [s.open_time for s in seconds] == list(range(minute, minute + 60_000, 1000))
    assert seconds[0].open == whole.open and seconds[-1].close == whole.close
    assert max(s.high for s in seconds) == whole.high and min(s.low for s in seconds) == whole.low
    assert sum(s.trades for s in seconds) == whole.trades
    assert sum(s.volume for s in seconds) == pytest.approx(whole.volume, rel=1e-9)
    # the second forming when it was asked for: a second may begin between the two clock readings
    assert len(newest) == 500 and now // 1000 * 1000 <= newest[-1].open_time <= after // 1000 * 1000


async def test_the_clock_is_the_wall_clock_and_forming_candles_move(ex: EmbeddedExchange) -> None:
    async with httpx.AsyncClient(base_url=ex.url) as c:
        before = int(time.time() * 1000)
        server = int((await c.get("/api/v3/time")).json()["serverTime"])
        rows = (await c.get("/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1m", "limit": 3})).json()
        after = int(time.time() * 1000)
    assert before - 1000 <= server <= after
    assert int(rows[-1][0]) <= server  # the forming candle has begun, and none lies ahead
    ws = ex.url.replace("http", "ws") + "/ws/btcusdt@kline_1m/btcusdt@kline_1s"
    parser, forming = FrameParser(), []
    async with connect(ws) as sock:
        loop = asyncio.get_running_loop()
        end = loop.time() + 2.0
        while loop.time() < end:
            try:
                text = await asyncio.wait_for(sock.recv(), max(0.01, end - loop.time()))
            except TimeoutError:
                break
            for ev in parser.parse(text):
                if isinstance(ev, KlineEvent) and ev.key.interval is Interval.M1 and not ev.closed:
                    forming.append(ev.candle)
    assert len({(c.close, c.volume) for c in forming}) >= 3  # the forming candle changes several times a second
    assert all(c.open_time <= int(time.time() * 1000) for c in forming)


def test_a_later_market_continues_an_earlier_one() -> None:
    midnight = 1_795_766_400_000
    now = midnight + 12 * 3_600_000 + 17_000  # midday, a few seconds into the minute
    earlier = demo_market(["BTCUSDT"], now_ms=now)
    for later_ms in (now + 90_000, now + 3 * DAY_MS):  # the next minute, a restart days later
        later = demo_market(["BTCUSDT"], now_ms=later_ms)
        for iv in (Interval.M1, Interval.H1):
            key = SeriesKey("BTCUSDT", iv)
            old = [
                c for c in earlier.candles(key, now - 300 * iv.nominal_ms, now, now, 1000, False) if c.close_time < now
            ]
            assert len(old) >= 299
            assert later.candles(key, old[0].open_time, old[-1].open_time, later_ms, 1000, newest=False) == old
    around = earlier.candles(SeriesKey("BTCUSDT", Interval.M1), midnight - 600_000, midnight + 600_000, now, 30, False)
    assert len(around) == 21 and all(b.open == a.close for a, b in itertools.pairwise(around))  # across midnight
