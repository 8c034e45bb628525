"""The embedded exchange's REST endpoints under /api/v3, with Binance's rules, errors and weights."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tuichart.binance.encoding import fmt8, kline_row
from tuichart.domain import Interval, SeriesKey
from tuichart.exchange.served import ServedMarket

SYMBOL_PATTERN = re.compile(r"^[A-Z0-9\-_.]{1,20}$")
DELISTED = "LUNCBTC"  # offered with status BREAK, as delisted symbols are


class ApiError(Exception):
    """A Binance error answer: HTTP status, code and message."""

    def __init__(self, status: int, code: int, msg: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(msg)
        self.status, self.code, self.msg, self.headers = status, code, msg, headers or {}


class WeightMeter:
    """Request weight used in the rolling last minute, against a budget."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._spent: deque[tuple[float, int]] = deque()

    def used(self, now: float) -> int:
        """Weight spent in the minute before `now`."""
        while self._spent and self._spent[0][0] <= now - 60:
            self._spent.popleft()
        return sum(w for _, w in self._spent)

    def spend(self, weight: int, now: float) -> int:
        """Record a request; raise the 429 Binance sends when it would go over the budget."""
        used = self.used(now)
        if used + weight > self.limit:
            wait = max(1, int(self._spent[0][0] + 60 - now) + 1) if self._spent else 1
            raise ApiError(
                429,
                -1003,
                f"Too much request weight used; current limit is {self.limit} request weight "
                "per 1 MINUTE. Please use WebSocket Streams for live updates to avoid polling the API.",
                {"Retry-After": str(wait), "X-MBX-USED-WEIGHT-1M": str(used)},
            )
        self._spent.append((now, weight))
        return used + weight


def _symbol(q: dict[str, str], market: ServedMarket, required: bool = True) -> str | None:
    sym = q.get("symbol")
    if sym is None:
        if required:
            raise ApiError(400, -1102, "Mandatory parameter 'symbol' was not sent, was empty/null, or malformed.")
        return None
    if not SYMBOL_PATTERN.match(sym):
        raise ApiError(
            400, -1100, "Illegal characters found in parameter 'symbol'; legal range is '^[A-Z0-9-_.]{1,20}$'."
        )
    if not market.lists(sym) and sym not in market.halted:  # a halted symbol's candles are still served
        raise ApiError(400, -1121, "Invalid symbol.")
    return sym


def int_param(q: dict[str, str], name: str) -> int | None:
    if name not in q:
        return None
    try:
        return int(q[name])
    except ValueError:
        raise ApiError(
            400, -1100, f"Illegal characters found in parameter '{name}'; legal range is '^[0-9]{{1,20}}$'."
        ) from None


class RestApi:
    """Request handlers bound to a market, a weight budget and pending injected faults."""

    def __init__(self, market: ServedMarket, weight_limit: int) -> None:
        self.market = market
        self.meter = WeightMeter(weight_limit)
        self.pending: deque[str] = deque()
        self.failing_until = 0.0
        """Every request fails with 503 until this `time.monotonic()` (a REST outage)."""
        self.retry_after = 1
        self.latency = 0.0
        """Seconds each answer waits, as if the exchange were far away."""

    def routes(self) -> list[web.RouteDef]:
        """aiohttp routes for every endpoint."""
        table: dict[str, tuple[Callable[[dict[str, str]], Any], Callable[[dict[str, str]], int]]] = {
            "ping": (lambda q: {}, lambda q: 1),
            "time": (lambda q: {"serverTime": self.market.clock_ms()}, lambda q: 1),
            "exchangeInfo": (self.exchange_info, lambda q: 20),
            "klines": (self.klines, lambda q: 2),
            "uiKlines": (self.klines, lambda q: 2),
            "ticker/24hr": (self.ticker_24hr, self._ticker_weight),
        }
        return [web.get(f"/api/v3/{name}", self._handler(fn, weight)) for name, (fn, weight) in table.items()]

    def _handler(
        self, fn: Callable[[dict[str, str]], Any], weight: Callable[[dict[str, str]], int]
    ) -> Callable[[web.Request], Awaitable[web.Response]]:
        async def handle(request: web.Request) -> web.Response:
            if self.latency:
                await asyncio.sleep(self.latency)
            q = dict(request.query)
            now = time.monotonic()
            try:
                if self._inject() == "notjson":
                    return web.Response(
                        text="<html><body><h1>502 Bad Gateway</h1></body></html>", content_type="text/html"
                    )
                used = self.meter.spend(weight(q), now)
                body = fn(q)
            except ApiError as err:
                headers = {"X-MBX-USED-WEIGHT-1M": str(self.meter.used(now)), **err.headers}
                return web.json_response({"code": err.code, "msg": err.msg}, status=err.status, headers=headers)
            return web.json_response(body, headers={"X-MBX-USED-WEIGHT-1M": str(used)})

        return handle

    def _inject(self) -> str | None:
        """Raise the next injected REST fault; a fault that is an answer (`notjson`) is returned to the caller."""
        if time.monotonic() < self.failing_until:
            kind = "http5xx"
        elif not self.pending:
            return None
        else:
            kind = self.pending.popleft()
        if kind == "http5xx":
            raise ApiError(503, -1001, "Internal error; unable to process your request. Please try again.")
        if kind == "notjson":
            return kind
        raise ApiError(
            418 if kind == "http418" else 429,
            -1003,
            "Too many requests; injected by the exchange's fault plan.",
            {"Retry-After": str(self.retry_after)},
        )

    def _ticker_weight(self, q: dict[str, str]) -> int:
        if "symbol" in q:
            return 2
        n = len(json.loads(q["symbols"])) if "symbols" in q else 1000
        return 2 if n <= 20 else 40 if n <= 100 else 80

    def exchange_info(self, q: dict[str, str]) -> dict[str, Any]:
        """exchangeInfo: TRADING symbols plus one delisted (BREAK) symbol."""
        wanted = self._symbols_param(q)
        info: list[dict[str, Any]] = [
            {
                "symbol": s,
                "status": "TRADING",
                "baseAsset": base,
                "quoteAsset": quote,
                "baseAssetPrecision": 8,
                "quoteAssetPrecision": 8,
            }
            for s, (base, quote) in sorted(self.market.listing.items())
        ]
        halted = {DELISTED: ("LUNC", "BTC"), **self.market.halted}
        for symbol, (base, quote) in sorted(halted.items()):
            if not self.market.lists(symbol):
                info.append({"symbol": symbol, "status": "BREAK", "baseAsset": base, "quoteAsset": quote})
        if wanted is not None:
            info = [s for s in info if s["symbol"] in wanted]
        return {
            "timezone": "UTC",
            "serverTime": self.market.clock_ms(),
            "rateLimits": [
                {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": self.meter.limit},
                {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000},
            ],
            "exchangeFilters": [],
            "symbols": info,
        }

    def _symbols_param(self, q: dict[str, str]) -> set[str] | None:
        if "symbol" in q:
            return {_symbol(q, self.market) or ""}
        if "symbols" in q:
            try:
                names = json.loads(q["symbols"])
            except json.JSONDecodeError:
                raise ApiError(400, -1100, "Illegal characters found in parameter 'symbols'.") from None
            for n in names:
                _symbol({"symbol": n}, self.market)
            return set(names)
        return None

    def klines(self, q: dict[str, str]) -> list[list[Any]]:
        """klines with Binance's ordering: no range = newest; startTime = oldest from there; endTime only = newest."""
        sym = _symbol(q, self.market)
        if "interval" not in q:
            raise ApiError(400, -1102, "Mandatory parameter 'interval' was not sent, was empty/null, or malformed.")
        try:
            interval = Interval(q["interval"])
        except ValueError:
            raise ApiError(400, -1120, "Invalid interval.") from None
        if not self.market.supports(interval):
            raise ApiError(400, -1120, "Invalid interval.")
        limit = int_param(q, "limit") or 500
        if not 1 <= limit <= 1000:
            raise ApiError(400, -1130, "Invalid data sent for a parameter.")
        start, end = int_param(q, "startTime"), int_param(q, "endTime")
        now = self.market.clock_ms()
        assert sym is not None
        candles = self.market.candles(
            SeriesKey(sym, interval),
            start if start is not None else 0,
            end if end is not None else now,
            now,
            limit,
            newest=start is None,
        )
        return [kline_row(c) for c in candles]

    def ticker_24hr(self, q: dict[str, str]) -> Any:
        """ticker/24hr FULL objects: one for `symbol`, a list for `symbols` or for all."""
        wanted = self._symbols_param(q)
        now = self.market.clock_ms()
        out = []
        for sym in sorted(wanted) if wanted is not None else self.market.symbols():
            t = self.market.ticker(sym, now)
            if t is None:
                continue
            out.append(ticker_body(sym, t.last, t.open, t.high, t.low, t.volume, t.quote_volume, now))
        return out[0] if "symbol" in q and out else out


def ticker_body(
    symbol: str, last: float, open_: float, high: float, low: float, volume: float, quote_volume: float, now: int
) -> dict[str, Any]:
    """A ticker/24hr FULL object as Binance writes it."""
    change = last - open_
    return {
        "symbol": symbol,
        "priceChange": fmt8(change),
        "priceChangePercent": f"{(change / open_ * 100 if open_ else 0.0):.3f}",
        "weightedAvgPrice": fmt8(quote_volume / volume if volume else last),
        "prevClosePrice": fmt8(open_),
        "lastPrice": fmt8(last),
        "lastQty": "0.00000000",
        "bidPrice": fmt8(last),
        "bidQty": "1.00000000",
        "askPrice": fmt8(last),
        "askQty": "1.00000000",
        "openPrice": fmt8(open_),
        "highPrice": fmt8(high),
        "lowPrice": fmt8(low),
        "volume": fmt8(volume),
        "quoteVolume": fmt8(quote_volume),
        "openTime": now - 86_400_000,
        "closeTime": now,
        "firstId": 0,
        "lastId": 0,
        "count": 0,
    }
