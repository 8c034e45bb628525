"""The embedded exchange's websocket streams: /ws/<stream>, /ws, /stream?streams=..., control messages, pushes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any

import msgspec
from aiohttp import WSMsgType, web

from tuichart.binance.encoding import kline_payload, mini_ticker_payload
from tuichart.domain import Interval, SeriesKey
from tuichart.exchange.hostile import hostile_kline
from tuichart.exchange.served import ServedMarket

log = logging.getLogger(__name__)
_encode = msgspec.json.Encoder().encode
MAX_STREAMS = 1024
MESSAGES_PER_SECOND = 5
FORMING_WALL_SECONDS = 2.0  # Binance pushes a forming kline about every 2 s


@dataclass(slots=True)
class KlineState:
    """What one connection was last sent for one kline stream."""

    key: SeriesKey
    open_time: int | None = None
    pushed_at_market: int = 0
    pushed_at_wall: float = 0.0
    due_market: int = 0
    """Nothing is due before this market time (the next open or the next update by market time)..."""
    due_wall: float = 0.0
    """...nor before this wall time (the next update by wall time)."""


@dataclass(eq=False)
class Connection:
    """One client websocket: its subscriptions and what it was last sent."""

    ws: web.WebSocketResponse
    request: web.Request
    combined: bool
    streams: list[str] = field(default_factory=list)
    klines: dict[str, KlineState] = field(default_factory=dict)
    tickers: set[str] = field(default_factory=set)
    silent_until: float = 0.0
    received: deque[float] = field(default_factory=deque)

    def subscribe(self, names: list[str], market: ServedMarket) -> None:
        """Add streams; an unknown or uppercase name is accepted and sends nothing, as on Binance."""
        for name in names:
            if name in self.streams:
                continue
            self.streams.append(name)
            sym, _, rest = name.partition("@")
            if sym != sym.lower() or not market.lists(sym.upper()):
                continue
            if rest == "miniTicker":
                self.tickers.add(sym.upper())
            elif rest.startswith("kline_"):
                try:
                    interval = Interval(rest[len("kline_") :])
                except ValueError:
                    continue
                if market.supports(interval):
                    self.klines[name] = KlineState(SeriesKey(sym.upper(), interval))

    def unsubscribe(self, names: list[str]) -> None:
        """Drop streams."""
        for name in names:
            if name in self.streams:
                self.streams.remove(name)
            self.klines.pop(name, None)
            sym, _, rest = name.partition("@")
            if rest == "miniTicker":
                self.tickers.discard(sym.upper())

    async def send(self, stream: str, payload: dict[str, Any]) -> None:
        """Send an event, wrapped when the connection is combined."""
        body = {"stream": stream, "data": payload} if self.combined else payload
        await self.ws.send_str(_encode(body).decode())


class StreamHub:
    """All websocket connections, the control-message handler, and the push loop driven by the market clock."""

    def __init__(
        self,
        market: ServedMarket,
        ping_interval: float,
        updates_per_candle: int = 4,  # 0: updates by wall time only, as Binance pushes
        forming_every: float = FORMING_WALL_SECONDS,
    ) -> None:
        self.market = market
        self.ping_interval = ping_interval
        self.updates_per_candle = updates_per_candle
        self.forming_every = forming_every
        self.connections: set[Connection] = set()
        self._ticker_wall = 0.0
        self.hostile_sent: Counter[str] = Counter()
        """Hostile frames that reached a socket, by kind: a fault fired while no one is connected sends none."""

    def routes(self) -> list[web.RouteDef]:
        """aiohttp routes for the websocket endpoints."""
        return [web.get("/ws", self.handle), web.get("/ws/{stream:.*}", self.handle), web.get("/stream", self.handle)]

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one websocket until it closes."""
        ws = web.WebSocketResponse(heartbeat=self.ping_interval, autoping=True)
        await ws.prepare(request)
        combined = request.path == "/stream"
        conn = Connection(ws, request, combined)
        if combined:
            names = [s for s in request.query.get("streams", "").split("/") if s]
        else:
            names = [s for s in request.match_info.get("stream", "").split("/") if s]
        conn.subscribe(names, self.market)
        self.connections.add(conn)
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._control(conn, msg.data)
        finally:
            self.connections.discard(conn)
        return ws

    async def _control(self, conn: Connection, text: str) -> None:
        now = time.monotonic()
        conn.received.append(now)
        while conn.received and conn.received[0] <= now - 1:
            conn.received.popleft()
        if len(conn.received) > MESSAGES_PER_SECOND:
            await conn.ws.close(code=1008, message=b"Too many requests")
            return
        try:
            msg = msgspec.json.decode(text)
        except msgspec.DecodeError:
            await conn.ws.send_str(_encode({"code": 3, "msg": "Invalid JSON: could not parse the message"}).decode())
            return
        reply = self._reply(conn, msg)
        await conn.ws.send_str(_encode(reply).decode())

    def _reply(self, conn: Connection, msg: Any) -> dict[str, Any]:
        if not isinstance(msg, dict) or "method" not in msg:
            return {"code": 2, "msg": "Invalid request: missing field 'method'", "id": None}
        rid, method, params = msg.get("id"), msg["method"], msg.get("params", [])
        if method in ("SUBSCRIBE", "UNSUBSCRIBE"):
            if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
                return {"code": 2, "msg": "Invalid request: params must be a list of stream names", "id": rid}
            if method == "SUBSCRIBE":
                if len(set(conn.streams) | set(params)) > MAX_STREAMS:
                    return {"error": {"code": 4, "msg": "Too many subscriptions"}, "id": rid}
                conn.subscribe(params, self.market)
            else:
                conn.unsubscribe(params)
            return {"result": None, "id": rid}
        if method == "LIST_SUBSCRIPTIONS":
            return {"result": list(conn.streams), "id": rid}
        if method == "SET_PROPERTY" and isinstance(params, list) and params[:1] == ["combined"]:
            if len(params) != 2 or not isinstance(params[1], bool):
                return {"code": 1, "msg": "Invalid value type: expected Boolean", "id": rid}
            conn.combined = params[1]
            return {"result": None, "id": rid}
        if method == "GET_PROPERTY" and params == ["combined"]:
            return {"result": conn.combined, "id": rid}
        return {"code": 2, "msg": f"Invalid request: unknown method '{method}'", "id": rid}

    async def pump(self, tick: float = 0.02) -> None:
        """Push kline and ticker updates to every connection as the market clock runs."""
        while True:
            await asyncio.sleep(tick)
            now = self.market.clock_ms()
            wall = time.monotonic()
            send_tickers = wall - self._ticker_wall >= 1.0
            if send_tickers:
                self._ticker_wall = wall
            for conn in list(self.connections):
                if conn.ws.closed:
                    continue
                try:
                    await self._push(conn, now, wall, send_tickers)
                except (ConnectionError, RuntimeError) as exc:
                    log.debug("push failed: %s", exc)

    async def _push(self, conn: Connection, now: int, wall: float, send_tickers: bool) -> None:
        silent = wall < conn.silent_until
        for name, st in conn.klines.items():
            if now < st.due_market and wall < st.due_wall:
                continue  # most streams at most ticks: nothing closed, no update due
            iv = st.key.interval
            cur = iv.open_time(now)
            if st.open_time is None:
                st.open_time = cur
            if silent or not self.market.lists(st.key.symbol):
                st.open_time = cur  # a halted symbol's streams fall silent, as on Binance
                st.due_market, st.due_wall = iv.next_open(cur), wall + self.forming_every
                continue
            while st.open_time < cur:
                final = self.market.candle_at(st.key, st.open_time, iv.close_time(st.open_time))
                if final is not None:
                    await conn.send(name, kline_payload(st.key, final, True, now))
                st.open_time = iv.next_open(st.open_time)
                st.pushed_at_market = 0
            step = (iv.close_time(cur) - cur) // self.updates_per_candle if self.updates_per_candle else 2**62
            if now - st.pushed_at_market >= max(1, step) or wall - st.pushed_at_wall >= self.forming_every:
                forming = self.market.candle_at(st.key, cur, now)
                if forming is not None:
                    await conn.send(name, kline_payload(st.key, forming, False, now))
                st.pushed_at_market, st.pushed_at_wall = now, wall
            st.due_market = min(iv.next_open(cur), st.pushed_at_market + max(1, step))
            st.due_wall = st.pushed_at_wall + self.forming_every
        if send_tickers and not silent:
            for sym in sorted(conn.tickers):
                t = self.market.ticker(sym, now) if self.market.lists(sym) else None
                if t is not None:
                    await conn.send(f"{sym.lower()}@miniTicker", mini_ticker_payload(t))

    def drop_one(self, rng: random.Random) -> None:
        """Abort one open connection's TCP connection (clients see 1006); the others go on."""
        open_ = sorted((c for c in self.connections if not c.ws.closed), key=lambda c: c.streams[:1])
        transport = rng.choice(open_).request.transport if open_ else None
        if transport is not None:
            transport.abort()

    async def inject(self, kind: str, seconds: float, only: str | None = None) -> None:
        """Apply a socket fault to every open connection, or to those streaming `only`."""
        for conn in list(self.connections):
            if only is not None and only not in conn.streams:
                continue
            with contextlib.suppress(Exception):
                if kind in ("drop", "close1006"):
                    transport = conn.request.transport
                    if transport is not None:
                        transport.abort()
                elif kind == "close1008":
                    await conn.ws.close(code=1008, message=b"Too many requests")
                elif kind == "close1011":
                    await conn.ws.close(code=1011, message=b"Internal error")
                elif kind == "garbage":
                    await conn.ws.send_str('{"data":{"e":[1]}}')
                    await conn.ws.send_bytes(b'{"data":"\xff\xfe"}')
                    self.hostile_sent["malformed frames"] += 2
                elif kind in ("future", "nonfinite", "negative", "unsubscribed"):
                    for st in list(conn.klines.values()):
                        stream, payload = hostile_kline(kind, st.key, self.market)
                        await conn.send(stream, payload)
                        self.hostile_sent["unsound klines"] += 1
                elif kind == "shutdown":
                    event = {"e": "serverShutdown", "E": self.market.clock_ms()}
                    if conn.combined:
                        await conn.ws.send_str(_encode({"stream": "!serverShutdown", "data": event}).decode())
                    else:
                        await conn.ws.send_str(_encode(event).decode())
                    await conn.ws.close(code=1001, message=b"Server shutdown")
                elif kind == "silence":
                    conn.silent_until = time.monotonic() + seconds
