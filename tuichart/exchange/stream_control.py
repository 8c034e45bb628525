"""Binance's websocket endpoints as a server speaks them: /ws/<stream>, /ws, /stream?streams=..., control messages."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
from aiohttp import WSMsgType, web

from tuichart.domain import Interval, SeriesKey

_encode = msgspec.json.Encoder().encode
MAX_STREAMS = 1024
MESSAGES_PER_SECOND = 5


class StreamNames(Protocol):
    """Which stream names a server serves: a symbol it lists, an interval it supports."""

    def lists(self, symbol: str) -> bool: ...

    def supports(self, interval: Interval) -> bool: ...


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

    def subscribe(self, names: list[str], served: StreamNames) -> None:
        """Add streams; an unknown or uppercase name is accepted and sends nothing, as on Binance."""
        for name in names:
            if name in self.streams:
                continue
            self.streams.append(name)
            sym, _, rest = name.partition("@")
            if sym != sym.lower() or not served.lists(sym.upper()):
                continue
            if rest == "miniTicker":
                self.tickers.add(sym.upper())
            elif rest.startswith("kline_"):
                try:
                    interval = Interval(rest[len("kline_") :])
                except ValueError:
                    continue
                if served.supports(interval):
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


class StreamServer:
    """Every websocket connection and the control-message handler; subclasses push the events."""

    def __init__(self, served: StreamNames, ping_interval: float) -> None:
        self.served = served
        self.ping_interval = ping_interval
        self.connections: set[Connection] = set()

    def routes(self, prefix: str = "") -> list[web.RouteDef]:
        """aiohttp routes for the websocket endpoints (below `prefix`, e.g. "/<token>")."""
        return [
            web.get(f"{prefix}/ws", self.handle),
            web.get(f"{prefix}/ws/{{stream:.*}}", self.handle),
            web.get(f"{prefix}/stream", self.handle),
        ]

    def changed(self) -> None:
        """The subscriptions changed (a connection came, went, subscribed or unsubscribed)."""

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        """Serve one websocket until it closes."""
        ws = web.WebSocketResponse(heartbeat=self.ping_interval, autoping=True)
        await ws.prepare(request)
        combined = request.path.endswith("/stream")
        conn = Connection(ws, request, combined)
        if combined:
            names = [s for s in request.query.get("streams", "").split("/") if s]
        else:
            names = [s for s in request.match_info.get("stream", "").split("/") if s]
        conn.subscribe(names, self.served)
        self.connections.add(conn)
        self.changed()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._control(conn, msg.data)
        finally:
            self.connections.discard(conn)
            self.changed()
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
                conn.subscribe(params, self.served)
            else:
                conn.unsubscribe(params)
            self.changed()
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
