"""A recorder's service in process: its engine on the embedded exchange, its store a real file, and what an attached
client reads from it over loopback (REST from the store, streams forwarded, series it does not record)."""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import websockets

from tuichart.binance.presets import resolve_exchange
from tuichart.domain import Interval, SeriesKey
from tuichart.engine.builder import build_engine
from tuichart.engine.engine import EngineOptions
from tuichart.engine.policies import rest_client
from tuichart.exchange import EmbeddedExchange, synthetic_market
from tuichart.relay.client import RecorderLink
from tuichart.relay.discovery import Recorder, announce, find_recorder, recorder_file
from tuichart.relay.service import RecorderService
from tuichart.store import Store

SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT"]
RECORDED = [SeriesKey(s, Interval.M1) for s in SYMBOLS[:2]]


async def until(condition: Callable[[], bool], seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        await asyncio.sleep(0.05)


def no_command(argv: list[str], cwd: str) -> tuple[int, str, str]:
    return 2, "", "not in this test"


async def test_an_attached_client_reads_the_store_and_the_streams(tmp_path: Path) -> None:
    async with EmbeddedExchange(synthetic_market(SYMBOLS, seed=5, speed=60), forming_every=0.2) as ex:
        store = Store.open(tmp_path / "data", fallback=False)
        rest = rest_client(resolve_exchange(ex.url), EngineOptions().network)
        engine = build_engine(rest, store, EngineOptions(tickers=True, max_backfill=100), source="record")
        service = RecorderService(engine, tmp_path / "data", tmp_path / "state", no_command)
        await engine.start(SYMBOLS[:2], Interval.M1)
        recorder = await service.start()
        running = asyncio.ensure_future(engine.run())
        try:
            assert recorder_file(tmp_path / "state", tmp_path / "data").stat().st_mode & 0o077 == 0
            found = await asyncio.to_thread(find_recorder, tmp_path / "state", tmp_path / "data")
            assert found is not None and found.url == recorder.url and found.exchange == engine.rest.endpoints.name
            await until(lambda: store.count(RECORDED[0]) >= 5)  # a new series: recorded from its first close
            async with httpx.AsyncClient(base_url=recorder.url + "/api/v3") as client:
                ours = (await client.get("/klines", params={"symbol": "BTCUSDT", "interval": "1m"})).json()
                clock = ours[-1][0] - 1
                exchange = await client.get(
                    f"{ex.url}/api/v3/klines", params={"symbol": "BTCUSDT", "interval": "1m", "endTime": clock}
                )
                theirs = exchange.json()
                # the recorded series: the exchange's candles older than the store's, the store's, the forming one
                assert len(ours) == 500 and ours[:-1] == theirs[-499:]
                # a series it does not record comes from its exchange, through its own client
                other = (await client.get("/klines", params={"symbol": "SOLUSDT", "interval": "5m", "limit": 3})).json()
                assert len(other) == 3 and other[0][0] % 300_000 == 0
                bad = await client.get("/klines", params={"symbol": "NOPEUSDT", "interval": "1m"})
                assert bad.status_code == 400 and bad.json()["code"] == -1121
                info = (await client.get("/exchangeInfo")).json()
                assert {s["symbol"] for s in info["symbols"]} >= set(SYMBOLS)
                ticker = (await client.get("/ticker/24hr", params={"symbol": "ETHUSDT"})).json()
                assert ticker["symbol"] == "ETHUSDT" and float(ticker["lastPrice"]) > 0
            # the market scan an attached app's screen shows: the stored candles plus the forming one
            rows = await RecorderLink(recorder.url).scan("USDT", Interval.M1)
            forming = service.pushes.forming
            assert sorted(r.symbol for r in rows) == ["BTCUSDT", "ETHUSDT"]
            for row in rows:
                key = SeriesKey(row.symbol, Interval.M1)
                assert row.candles == store.count(key) + (key in forming) or row.candles == store.count(key)
            # streams: a recorded series forwarded; a series it does not record streamed on demand
            ws_url = recorder.url.replace("http", "ws") + "/stream?streams=btcusdt@kline_1m/solusdt@kline_1m"
            seen: dict[str, int] = {}
            async with websockets.connect(ws_url) as sock:
                while len(seen) < 2 or min(seen.values()) < 3:
                    frame = json.loads(await asyncio.wait_for(sock.recv(), 10))
                    seen[frame["stream"]] = seen.get(frame["stream"], 0) + 1
                assert SeriesKey("SOLUSDT", Interval.M1) in engine.extra
            await until(lambda: not engine.extra)  # the client gone, the engine stops streaming it
            assert sorted(seen) == ["btcusdt@kline_1m", "solusdt@kline_1m"]
        finally:
            running.cancel()
            await service.stop()
            await engine.close()
            store.close()
    assert not recorder_file(tmp_path / "state", tmp_path / "data").exists()


def test_a_stale_announcement_is_removed(tmp_path: Path) -> None:
    path = recorder_file(tmp_path, tmp_path / "data")
    announce(path, Recorder("http://127.0.0.1:9/secret", os.getpid(), str(tmp_path / "data")))
    assert find_recorder(tmp_path, tmp_path / "data", timeout=0.5) is None  # the pid lives, but nothing answers
    assert not path.exists()
    announce(path, Recorder("http://127.0.0.1:9/secret", 2**22 + 12345, str(tmp_path / "data")))
    assert find_recorder(tmp_path, tmp_path / "data") is None  # no such process
    assert not path.exists()
