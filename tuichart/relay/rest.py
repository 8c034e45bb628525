"""A recorder's REST endpoints under /api/v3: klines from its store, the rest from its engine, no weight limit."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tuichart.binance.encoding import kline_row
from tuichart.binance.protocol import ExchangeInfo
from tuichart.domain import Interval, SeriesKey
from tuichart.engine.engine import MarketEngine
from tuichart.errors import TuichartError
from tuichart.exchange.rest_api import SYMBOL_PATTERN, ApiError, int_param, ticker_body
from tuichart.relay.pushes import RecentPushes
from tuichart.store.queries import kline_rows

WEIGHT_LIMIT = 1_000_000
"""What exchangeInfo announces: an attached client need not pace itself."""

Handler = Callable[[dict[str, str]], Awaitable[Any]]


class RelayRest:
    """Binance's market-data REST answered by a running recorder: the series it records from its store plus what
    its engine pushed since the last commit; any other series, and tickers it does not stream, from its exchange
    through its own client (one connection to the exchange for every attached session)."""

    def __init__(self, engine: MarketEngine, pushes: RecentPushes) -> None:
        self.engine = engine
        self.pushes = pushes

    def routes(self, prefix: str) -> list[web.RouteDef]:
        """aiohttp routes for every endpoint, below `prefix`."""
        table: dict[str, Handler] = {
            "ping": self._ping,
            "time": self._time,
            "exchangeInfo": self.exchange_info,
            "klines": self.klines,
            "uiKlines": self.klines,
            "ticker/24hr": self.ticker_24hr,
        }
        return [web.get(f"{prefix}/api/v3/{name}", _handler(fn)) for name, fn in table.items()]

    def clock_ms(self) -> int:
        """The exchange's time as the engine last saw it (the wall clock before it saw any)."""
        feed = self.engine.feed
        return feed.clock if feed is not None and feed.clock else int(time.time() * 1000)

    async def _ping(self, q: dict[str, str]) -> Any:
        return {}

    async def _time(self, q: dict[str, str]) -> Any:
        return {"serverTime": self.clock_ms()}

    async def _info(self) -> ExchangeInfo:
        return await self.engine.rest.exchange_info()

    async def exchange_info(self, q: dict[str, str]) -> Any:
        """The exchange's symbols as the recorder last read them."""
        info = await self._info()
        wanted = await self._symbols_param(q)
        symbols = [
            {"symbol": s.symbol, "status": s.status, "baseAsset": s.base_asset, "quoteAsset": s.quote_asset}
            for name, s in sorted(info.symbols.items())
            if wanted is None or name in wanted
        ]
        limits = [{"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": WEIGHT_LIMIT}]
        return {"timezone": "UTC", "serverTime": self.clock_ms(), "rateLimits": limits, "symbols": symbols}

    async def _symbol(self, name: str | None) -> str:
        if name is None:
            raise ApiError(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.")
        if not SYMBOL_PATTERN.match(name):
            raise ApiError(
                400, -1100, "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'."
            )
        if name not in (await self._info()).symbols:
            raise ApiError(400, -1121, "Invalid symbol.")
        return name

    async def _symbols_param(self, q: dict[str, str]) -> list[str] | None:
        if "symbol" in q:
            return [await self._symbol(q["symbol"])]
        if "symbols" not in q:
            return None
        try:
            names = json.loads(q["symbols"])
        except json.JSONDecodeError:
            raise ApiError(400, -1100, "Illegal characters found in parameter 'symbols'.") from None
        return [await self._symbol(str(n)) for n in names]

    async def klines(self, q: dict[str, str]) -> Any:
        """klines with Binance's ordering (no range: the newest); a recorded series from the store."""
        symbol = await self._symbol(q.get("symbol"))
        try:
            interval = Interval(q["interval"])
        except KeyError:
            raise ApiError(
                400, -1102, "Mandatory parameter 'interval' was not sent, was empty/null, or malformed."
            ) from None
        except ValueError:
            raise ApiError(400, -1120, "Invalid interval.") from None
        limit = int_param(q, "limit") or 500
        if not 1 <= limit <= 1000:
            raise ApiError(400, -1130, "Invalid data sent for a parameter.")
        key = SeriesKey(symbol, interval)
        start, end = int_param(q, "startTime"), int_param(q, "endTime")
        if key not in self.engine.keys:
            return [kline_row(c) for c in await self.engine.rest.klines(key, start, end, limit)]
        first, last = start if start is not None else 0, end if end is not None else self.clock_ms()
        newest = start is None
        rows = await asyncio.to_thread(kline_rows, self.engine.store, key, first, last, limit, newest=newest)
        by_open: dict[int, list[Any]] = {int(r[0]): r for r in rows}  # type: ignore[call-overload]
        for c in self.pushes.newest(key):
            if first <= c.open_time <= last:
                by_open[c.open_time] = kline_row(c)
        if len(rows) < limit and (newest or not rows or int(rows[0][0]) > first):  # type: ignore[call-overload]
            # older than the recorder's first candle: the exchange has them
            with contextlib.suppress(TuichartError):  # what the store holds is served all the same
                for c in await self.engine.rest.klines(key, start, end, limit):
                    by_open.setdefault(c.open_time, kline_row(c))
        ordered = [by_open[t] for t in sorted(by_open)]
        return ordered[-limit:] if newest else ordered[:limit]

    async def ticker_24hr(self, q: dict[str, str]) -> Any:
        """ticker/24hr FULL objects: streamed tickers as pushed, the others from the exchange."""
        wanted = await self._symbols_param(q)
        names = wanted if wanted is not None else sorted(self.pushes.tickers)
        now = self.clock_ms()
        known = {s: t for s in names if (t := self.pushes.tickers.get(s)) is not None}
        bodies = {
            s: ticker_body(s, t.last, t.open, t.high, t.low, t.volume, t.quote_volume, now) for s, t in known.items()
        }
        others = [s for s in names if s not in known]
        for t24 in await self.engine.rest.ticker_24hr(others) if others else []:
            bodies[t24.symbol] = ticker_body(
                t24.symbol, t24.last, t24.open, t24.high, t24.low, t24.volume, t24.quote_volume, now
            )
        out = [bodies[s] for s in names if s in bodies]
        return out[0] if "symbol" in q and out else out


def _handler(fn: Handler) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        try:
            body = await fn(dict(request.query))
        except ApiError as err:
            return web.json_response({"code": err.code, "msg": err.msg}, status=err.status, headers=err.headers)
        except TuichartError as exc:  # the exchange behind the recorder failed
            return web.json_response({"code": -1001, "msg": f"the recorder's exchange: {exc}"}, status=503)
        return web.json_response(body)

    return handle
