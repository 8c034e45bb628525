"""The embedded exchange on a real loopback port: REST rules and errors, streams, aggregation, faults."""

from __future__ import annotations

import asyncio
import itertools
import json
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import websockets
from websockets.asyncio.client import ClientConnection, connect

from tests.data_paths import VISION_ZIPS
from tuichart.binance.protocol import ControlReply, ErrorReply, Event, FrameParser, ServerShutdown, parse_klines
from tuichart.binance.vision import read_kline_file
from tuichart.domain import Candle, Interval, KlineEvent, SeriesKey, TickerEvent
from tuichart.errors import BadInput
from tuichart.exchange import EmbeddedExchange, parse_faults, replay_market, synthetic_market

DAY1 = 1577836800000
KEY = SeriesKey("BTCUSDT", Interval.M1)


@pytest.fixture()
async def ex() -> AsyncIterator[EmbeddedExchange]:
    market = replay_market(VISION_ZIPS, speed=600, start_ms=DAY1 + 1440 * 60_000)  # clock at the start of day 2
    async with EmbeddedExchange(market, weight_limit=200) as exchange:
        yield exchange


async def test_klines_paging_rules_and_forming_last_row(ex: EmbeddedExchange) -> None:
    source = read_kline_file(VISION_ZIPS[0])
    async with httpx.AsyncClient(base_url=ex.url) as c:
        r = await c.get(
            "/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1m", "startTime": DAY1, "limit": 1000}
        )
        page = parse_klines(r.json())
        assert page == source[:1000]
        assert int(r.headers["x-mbx-used-weight-1m"]) == 2
        everything = {c.open_time: c for z in VISION_ZIPS for c in read_kline_file(z)}
        before = ex.market.clock_ms()
        r = await c.get("/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1m", "limit": 3})
        newest = parse_klines(r.json())
        assert newest[:2] == [everything[newest[0].open_time], everything[newest[1].open_time]]
        assert newest[1].open_time - newest[0].open_time == 60_000 == newest[2].open_time - newest[1].open_time
        assert newest[-1].close_time > before >= newest[1].close_time - 60_000  # the forming candle comes last
        assert newest[-1] != everything[newest[-1].open_time]
        r = await c.get(
            "/api/v3/klines",
            params={"symbol": "BTCUSDT", "interval": "1m", "endTime": source[99].open_time, "limit": 10},
        )
        assert parse_klines(r.json()) == source[90:100]
        r = await c.get("/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1d", "startTime": 0})
        day = parse_klines(r.json())[0]
        # PROVENANCE.md's daily aggregate of 2020-01-01
        assert (day.open, day.high, day.low, day.close) == (7195.24, 7255.0, 7175.15, 7200.85)
        assert day.volume == pytest.approx(16792.388165, abs=1e-6)


async def test_klines_limit_counts_candles_not_the_empty_times_of_a_gap(tmp_path: Path) -> None:
    rows = zipfile.ZipFile(VISION_ZIPS[0]).read(VISION_ZIPS[0].name[:-4] + ".csv").decode().splitlines()
    holed = tmp_path / "BTCUSDT-1m-2020-01-01.csv"
    holed.write_text("\n".join(rows[:600] + rows[610:]) + "\n")  # no candles 10:00 .. 10:09, as in maintenance
    source = read_kline_file(VISION_ZIPS[0])
    kept = source[:600] + source[610:]
    market = replay_market([holed], speed=1, start_ms=DAY1 + 1440 * 60_000)
    async with EmbeddedExchange(market) as exchange, httpx.AsyncClient(base_url=exchange.url) as c:

        async def klines(**params: int) -> list[Candle]:
            r = await c.get("/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1m", **params})
            return parse_klines(r.json())

        assert await klines(startTime=DAY1, limit=1000) == kept[:1000]
        assert await klines(startTime=source[595].open_time, limit=10) == kept[595:605]
        assert await klines(endTime=source[614].open_time, limit=10) == kept[595:605]
        assert await klines(startTime=source[601].open_time, endTime=source[608].open_time) == []
        r = await c.get(
            "/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "5m", "startTime": DAY1 + 590 * 60_000}
        )
        fives = [k.open_time for k in parse_klines(r.json())[:3]]
        assert fives == [DAY1 + m * 60_000 for m in (590, 595, 610)]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"symbol": "NOPEUSDT", "interval": "1m"}, 400, -1121),
        ({"symbol": "BTCUSDT", "interval": "7m"}, 400, -1120),
        ({"symbol": "btcusdt", "interval": "1m"}, 400, -1100),
        ({"interval": "1m"}, 400, -1102),
        ({"symbol": "BTCUSDT"}, 400, -1102),
    ],
)
async def test_error_codes(ex: EmbeddedExchange, params: dict[str, str], status: int, code: int) -> None:
    async with httpx.AsyncClient(base_url=ex.url) as c:
        r = await c.get("/api/v3/klines", params=params)
    assert r.status_code == status and r.json()["code"] == code and r.json()["msg"]


async def test_weight_budget_gives_429_with_retry_after(ex: EmbeddedExchange) -> None:
    async with httpx.AsyncClient(base_url=ex.url) as c:
        statuses = [(await c.get("/api/v3/exchangeInfo")).status_code for _ in range(11)]
        assert statuses[:10] == [200] * 10 and statuses[10] == 429
        r = await c.get("/api/v3/ping")
        assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1 and r.json()["code"] == -1003


async def test_exchange_info_and_ticker(ex: EmbeddedExchange) -> None:
    async with httpx.AsyncClient(base_url=ex.url) as c:
        info = (await c.get("/api/v3/exchangeInfo")).json()
        statuses = {s["symbol"]: s["status"] for s in info["symbols"]}
        assert statuses["BTCUSDT"] == "TRADING" and "BREAK" in statuses.values()
        assert info["rateLimits"][0]["limit"] == 200
        t = (await c.get("/api/v3/ticker/24hr", params={"symbol": "BTCUSDT"})).json()
        source = [c for z in VISION_ZIPS for c in read_kline_file(z)]
        near = [c.open for c in source if abs(c.open_time - t["openTime"]) <= 60_000]  # the clock runs at 600x
        assert len(near) >= 2 and float(t["openPrice"]) in near
        assert float(t["highPrice"]) >= float(t["lastPrice"]) >= float(t["lowPrice"])


async def frames(ws: ClientConnection, seconds: float) -> list[Event]:
    parser = FrameParser()
    out: list[Event] = []
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while (left := end - loop.time()) > 0:
        try:
            out += parser.parse(await asyncio.wait_for(ws.recv(), left))
        except TimeoutError:
            break
    assert parser.malformed == 0
    return out


async def test_combined_stream_forming_updates_stay_inside_the_final_candle(ex: EmbeddedExchange) -> None:
    source = {c.open_time: c for z in VISION_ZIPS for c in read_kline_file(z)}
    async with connect(ex.url.replace("http", "ws") + "/stream?streams=btcusdt@kline_1m/btcusdt@miniTicker") as ws:
        events = await frames(ws, 2.0)
    klines = [e for e in events if isinstance(e, KlineEvent)]
    closed = [e for e in klines if e.closed]
    assert len(closed) >= 10 and any(isinstance(e, TickerEvent) for e in events)
    assert len({e.candle.open_time for e in closed}) == len(closed)  # one x:true per candle
    for e in closed:
        assert e.candle == source[e.candle.open_time]
    finals = {e.candle.open_time for e in closed}
    forming = [e for e in klines if not e.closed and e.candle.open_time in finals]
    assert forming
    for e in forming:
        f = source[e.candle.open_time]
        assert f.low <= e.candle.low <= e.candle.high <= f.high
        assert e.candle.volume <= f.volume and e.candle.trades <= f.trades


async def test_subscribe_list_unsubscribe_and_silent_uppercase(ex: EmbeddedExchange) -> None:
    async with connect(ex.url.replace("http", "ws") + "/ws") as ws:
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["BTCUSDT@kline_1m"], "id": 1}))
        got = await frames(ws, 0.6)
        assert got == [ControlReply(1, None)]  # accepted, and nothing ever arrives
        await ws.send(json.dumps({"method": "SUBSCRIBE", "params": ["btcusdt@kline_1m"], "id": 2}))
        await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": 3}))
        got = await frames(ws, 0.5)
        assert ControlReply(3, ["BTCUSDT@kline_1m", "btcusdt@kline_1m"]) in got
        assert any(isinstance(e, KlineEvent) and e.key == KEY for e in got)
        await ws.send(json.dumps({"method": "UNSUBSCRIBE", "params": ["btcusdt@kline_1m"], "id": 4}))
        await ws.send("not json")
        await asyncio.sleep(1.05)
        got = await frames(ws, 0.5)
        assert ControlReply(4, None) in got and any(isinstance(e, ErrorReply) and e.code == 3 for e in got)
        assert not any(isinstance(e, KlineEvent) for e in got[2:])


async def test_more_than_five_messages_a_second_closes_with_1008(ex: EmbeddedExchange) -> None:
    async with connect(ex.url.replace("http", "ws") + "/ws") as ws:
        for i in range(6):
            await ws.send(json.dumps({"method": "LIST_SUBSCRIPTIONS", "id": i}))
        with pytest.raises(websockets.ConnectionClosed) as info:
            while True:
                await ws.recv()
    assert info.value.rcvd is not None and info.value.rcvd.code == 1008


@pytest.mark.parametrize("kind", ["drop", "close1006", "close1008", "shutdown"])
async def test_socket_faults_as_a_client_sees_them(ex: EmbeddedExchange, kind: str) -> None:
    async with connect(ex.url.replace("http", "ws") + "/stream?streams=btcusdt@kline_1m") as ws:
        await frames(ws, 0.2)
        await ex.inject(kind)
        parser = FrameParser()
        seen: list[object] = []
        with pytest.raises(websockets.ConnectionClosed) as info:
            while True:
                seen += parser.parse(await asyncio.wait_for(ws.recv(), 5))
    code = info.value.rcvd.code if info.value.rcvd is not None else 1006
    assert code == {"drop": 1006, "close1006": 1006, "close1008": 1008, "shutdown": 1001}[kind]
    assert (any(isinstance(e, ServerShutdown) for e in seen)) == (kind == "shutdown")
    assert ex.fault_counts[kind] == 1


async def test_silence_and_http_faults(ex: EmbeddedExchange) -> None:
    async with connect(ex.url.replace("http", "ws") + "/stream?streams=btcusdt@kline_1m") as ws:
        await frames(ws, 0.2)
        await ex.inject("silence", 0.8)
        await frames(ws, 0.1)  # frames already on the way when the silence began
        assert await frames(ws, 0.5) == []
        assert await frames(ws, 0.6) != []
    async with httpx.AsyncClient(base_url=ex.url) as c:
        await ex.inject("http5xx")
        await ex.inject("http429")
        r1, r2, r3 = [await c.get("/api/v3/time") for _ in range(3)]
    assert (r1.status_code, r1.json()["code"]) == (503, -1001)
    assert r2.status_code == 429 and r2.headers["retry-after"] == "1"
    assert r3.status_code == 200


def test_fault_spec_parsing() -> None:
    plan = parse_faults("drop@1,silence@2:0.5,random:every=1,seed=3,kinds=http5xx+shutdown,retry_after=0")
    times = list(plan.schedule(10))
    timed = [f for f in times if f.kind in ("drop", "silence")]
    assert [(f.kind, f.at, f.seconds) for f in timed] == [("drop", 1, 0), ("silence", 2, 0.5)]
    randoms = [f for f in times if f not in timed]
    assert 5 <= len(randoms) <= 20 and {f.kind for f in randoms} == {"http5xx", "shutdown"}
    assert [f.at for f in times] == sorted(f.at for f in times)
    assert plan.retry_after == 0
    endless = parse_faults("random:every=0.001,seed=1").schedule()  # a week of these once froze the exchange
    assert [f.at < 0.1 for f in itertools.islice(endless, 3)] == [True] * 3
    assert list(parse_faults("random:every=1,seed=3").schedule(30)) == list(
        parse_faults("random:every=1,seed=3").schedule(30)
    )
    for bad, msg in [
        ("boom@1", "unknown fault"),
        ("drop", "KIND@SECONDS"),
        ("drop@x", "bad time"),
        ("random:seed=1", "every=SECONDS"),
        ("", "empty"),
    ]:
        with pytest.raises(BadInput, match=msg):
            parse_faults(bad)


async def test_synthetic_market_is_deterministic_and_serves_every_interval() -> None:
    now = 1_760_000_000_000
    a = synthetic_market(["BTCUSDT", "SHIBUSDT"], seed=3, now_ms=now)
    b = synthetic_market(["BTCUSDT", "SHIBUSDT"], seed=3, now_ms=now)
    for code in ("1m", "15m", "1h", "4h", "1d", "3d", "1w", "1M"):
        key = SeriesKey("BTCUSDT", Interval(code))
        ca = a.candles(key, 0, now, now, 1000, newest=True)
        assert ca == b.candles(key, 0, now, now, 1000, newest=True) and ca
        assert all(c.low <= min(c.open, c.close) <= max(c.open, c.close) <= c.high for c in ca)
    assert len(a.candles(SeriesKey("BTCUSDT", Interval.M1), 0, now, now, 1000, newest=True)) == 1000
    shib = a.candles(SeriesKey("SHIBUSDT", Interval.H1), 0, now, now, 50, newest=True)
    assert all(1e-6 < c.close < 1e-4 for c in shib) and all(c.trades > 0 and c.volume > 0 for c in shib)
    c = synthetic_market(["BTCUSDT"], seed=4, now_ms=now)
    assert c.candles(SeriesKey("BTCUSDT", Interval.H1), 0, now, now, 5, True) != a.candles(
        SeriesKey("BTCUSDT", Interval.H1), 0, now, now, 5, True
    )
