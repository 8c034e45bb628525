"""A synthetic market of thousands of symbols on a real loopback exchange: listed at once, generated as asked
for, pushed at Binance's cadence, with symbols delisted and listed while it runs."""

from __future__ import annotations

import asyncio
import functools
import re
from collections.abc import AsyncIterator

import httpx
import numpy as np
import pytest
from websockets.asyncio.client import connect

from tests.cli.helpers import run_cli
from tuichart.binance.protocol import FrameParser
from tuichart.binance.rest import RestClient
from tuichart.domain import MINUTE_MS, Interval, KlineEvent, SeriesKey
from tuichart.exchange import EmbeddedExchange
from tuichart.exchange.blocks import whole_blocks
from tuichart.exchange.candles import candle_in, forming_in
from tuichart.exchange.faults import FaultPlan
from tuichart.exchange.sources import wide_market
from tuichart.exchange.wide import HOUR_MS, WideMarket, hours_bars

N = 3000
NOW = 1_795_800_000_000  # 2026-11-27 14:40 UTC


@pytest.fixture()
async def ex() -> AsyncIterator[EmbeddedExchange]:
    market = wide_market(N, seed=4, speed=60, now_ms=NOW)
    async with EmbeddedExchange(market, faults=FaultPlan(seed=2), updates_per_candle=0, forming_every=0.3) as e:
        yield e


async def test_thousands_of_symbols_over_the_usual_quotes(ex: EmbeddedExchange) -> None:
    async with httpx.AsyncClient(base_url=ex.url) as c:
        body = (await c.get("/api/v3/exchangeInfo")).json()
    trading = [s for s in body["symbols"] if s["status"] == "TRADING"]
    assert len(trading) == N and len({s["symbol"] for s in trading}) == N
    assert all(re.fullmatch(r"[A-Z0-9]{2,20}", s["symbol"]) for s in trading)
    assert all(s["symbol"] == s["baseAsset"] + s["quoteAsset"] for s in trading)
    quotes = [s["quoteAsset"] for s in trading]
    assert {"USDT", "FDUSD", "USDC", "BTC", "ETH", "BNB", "TRY"} <= set(quotes) and quotes.count("USDT") > N / 3
    async with RestClient(ex.url) as rest:
        tickers = await rest.ticker_24hr([s["symbol"] for s in trading[:100]])
    prices = [t.last for t in tickers]
    assert len(tickers) == 100 and min(prices) > 0


async def test_an_hour_is_the_same_made_alone_or_in_a_block() -> None:
    market = wide_market(10, seed=4, now_ms=NOW)
    listed = market.listed["BTCUSDT"]
    block = hours_bars("BTCUSDT", 4, NOW // HOUR_MS - 30, 30, listed)
    alone = hours_bars("BTCUSDT", 4, NOW // HOUR_MS - 10, 1, listed)
    for name in ("open", "high", "low", "close", "volume", "trades"):
        assert np.array_equal(getattr(alone, name), getattr(block, name)[20 * 60 : 21 * 60]), name
    assert np.all(block.low <= np.minimum(block.open, block.close))
    assert np.all(block.high >= np.maximum(block.open, block.close))
    assert np.all(block.open[1:] == block.close[:-1])  # each minute opens where the last closed
    assert block.open_time[0] == (NOW // HOUR_MS - 30) * HOUR_MS and np.all(np.diff(block.open_time) == MINUTE_MS)


@pytest.mark.parametrize("interval", ["1m", "15m", "1h", "4h", "1d"])
def test_a_page_made_in_blocks_equals_each_candle_made_alone(interval: str) -> None:
    market = wide_market(40, seed=4, now_ms=NOW)
    iv = Interval(interval)
    symbol = next(s for s in market.symbols() if market.listed_at.get(s, 0) > 0)  # listed inside the history
    market.halt(market.symbols()[0])
    halted = next(iter(market.halted))
    now = NOW + 7 * MINUTE_MS + 12_345  # inside a minute: the last candle is forming
    for name, start in ((symbol, 0), (halted, now - 900 * iv.nominal_ms), (symbol, now - 400 * iv.nominal_ms)):
        key = SeriesKey(name, iv)
        for newest in (True, False):
            page = market.candles(key, start, now, now, 1000, newest)
            opens = range(page[0].open_time, page[-1].open_time + 1, iv.nominal_ms)
            b = market.window(name, opens.start, now)
            forming = functools.partial(forming_in, b, now=now)
            alone = [candle_in(b, iv, t, now, forming) for t in opens]
            assert page == [c for c in alone if c is not None] and len(page) > 1  # floats bit for bit
            made, _ = whole_blocks(b, iv, opens[1:], now)  # the first may be the partial one of the listing
            assert len(page) - 3 <= made < len(page)  # all but the forming one (and one halted) in blocks


async def test_long_histories_and_intervals_agree_with_their_minutes(ex: EmbeddedExchange) -> None:
    async with RestClient(ex.url) as rest:
        hour = SeriesKey("ETHUSDT", Interval.H1)
        hours = await rest.klines(hour, limit=1000)  # 41 days, made in one go
        assert len(hours) == 1000 and hours[-1].close_time >= ex.market.clock_ms()  # the last is forming
        h = hours[-5]
        minutes = await rest.klines(SeriesKey("ETHUSDT", Interval.M1), h.open_time, h.close_time, limit=60)
        assert len(minutes) == 60
        assert (h.open, h.close) == (minutes[0].open, minutes[-1].close)
        assert h.high == max(m.high for m in minutes) and h.low == min(m.low for m in minutes)
        assert h.trades == sum(m.trades for m in minutes)
        assert h.volume == pytest.approx(sum(m.volume for m in minutes), abs=1e-7)
        again = await rest.klines(hour, h.open_time, h.open_time)
        assert again == [h]  # made again from a cold start, the same


def wide(ex: EmbeddedExchange) -> WideMarket:
    assert isinstance(ex.market, WideMarket)
    return ex.market


async def test_short_histories_start_at_their_listing(ex: EmbeddedExchange) -> None:
    market = wide(ex)
    young = [s for s, t in market.listed_at.items() if NOW - t < 30 * 86_400_000]
    assert N / 20 < len(young) < N / 5  # about one in ten
    async with RestClient(ex.url) as rest:
        days = await rest.klines(SeriesKey(young[0], Interval.D1), 0, limit=1000)
    assert days[0].open_time == market.listed_at[young[0]] and 1 <= len(days) <= 21


async def test_a_delisted_symbol_falls_silent_and_a_listed_one_starts_trading(ex: EmbeddedExchange) -> None:
    market, parser = wide(ex), FrameParser()
    async with connect(ex.url.replace("http", "ws") + "/ws") as ws:
        await ex.inject("list")
        ((_, new),) = ex.market_events
        streams = ",".join(f'"{s.lower()}@kline_1m"' for s in ("BTCUSDT", "ETHUSDT", new))
        await ws.send(f'{{"method":"SUBSCRIBE","params":[{streams}],"id":1}}')
        seen: set[str] = set()
        async with asyncio.timeout(10):
            while len(seen) < 3:
                seen |= {ev.key.symbol for ev in parser.parse(await ws.recv()) if isinstance(ev, KlineEvent)}
        market.halt("ETHUSDT")
        await ex.inject("delist")  # and one more, chosen by the exchange
        kind, chosen = ex.market_events[-1]
        later: list[str] = []
        async with asyncio.timeout(10):
            while new not in later or len(later) < 6:
                later += [ev.key.symbol for ev in parser.parse(await ws.recv()) if isinstance(ev, KlineEvent)]
        assert "ETHUSDT" not in later
    async with httpx.AsyncClient(base_url=ex.url) as c:
        body = (await c.get("/api/v3/exchangeInfo")).json()
        status = {s["symbol"]: s["status"] for s in body["symbols"]}
        assert kind == "delist" and status["ETHUSDT"] == status[chosen] == "BREAK" and status[new] == "TRADING"
        assert sum(1 for v in status.values() if v == "TRADING") == N - 1
        stopped = (await c.get("/api/v3/klines", params={"symbol": "ETHUSDT", "interval": "1m", "limit": 3})).json()
        assert stopped[-1][0] <= market.halted_at["ETHUSDT"]  # its candles stop at the halt
        born = (await c.get("/api/v3/klines", params={"symbol": new, "interval": "1m", "startTime": 0})).json()
        assert born[0][0] == market.listed_at[new]


def test_the_command_line_says_what_is_wrong() -> None:
    for args, message in (
        (["--synthetic-market", "0"], "--synthetic-market needs at least 1 symbol"),
        (["--synthetic-market", "5", "--synthetic", "BTCUSDT"], "choose one of --replay, --synthetic and"),
        (["--synthetic", "BTCUSDT", "--faults", "delist@1"], "delist: only a --synthetic-market lists and delists"),
    ):
        out = run_cli("exchange", *args, "--port", "0")
        assert out.returncode == 2 and message in out.stderr and len(out.stderr.strip().splitlines()) == 1
