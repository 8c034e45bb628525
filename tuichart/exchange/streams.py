"""The embedded exchange's websocket pushes: klines and mini-tickers as its market clock runs, and socket faults."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter

import msgspec

from tuichart.binance.encoding import kline_payload, mini_ticker_payload
from tuichart.exchange.hostile import hostile_kline
from tuichart.exchange.served import ServedMarket
from tuichart.exchange.stream_control import Connection, StreamServer

log = logging.getLogger(__name__)
_encode = msgspec.json.Encoder().encode
FORMING_WALL_SECONDS = 2.0  # Binance pushes a forming kline about every 2 s


class StreamHub(StreamServer):
    """The push loop driven by the market clock, over every connection, and the socket faults."""

    def __init__(
        self,
        market: ServedMarket,
        ping_interval: float,
        updates_per_candle: int = 4,  # 0: updates by wall time only, as Binance pushes
        forming_every: float = FORMING_WALL_SECONDS,
    ) -> None:
        super().__init__(market, ping_interval)
        self.market = market
        self.updates_per_candle = updates_per_candle
        self.forming_every = forming_every
        self._ticker_wall = 0.0
        self.hostile_sent: Counter[str] = Counter()
        """Hostile frames that reached a socket, by kind: a fault fired while no one is connected sends none."""

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
