"""Async Binance REST client: kline paging, exchangeInfo, tickers, rate limits and clear errors."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, TypeVar

import httpx

from tuichart.binance.backoff import Backoff
from tuichart.binance.presets import Endpoints, resolve_exchange
from tuichart.binance.protocol import (
    ExchangeInfo,
    Ticker24h,
    parse_error_body,
    parse_exchange_info,
    parse_klines,
    parse_ticker_24hr,
)
from tuichart.binance.tls import context_for
from tuichart.domain import Candle, Interval, SeriesKey
from tuichart.errors import BadInput, ExchangeError, RateLimited

log = logging.getLogger(__name__)
KLINES_LIMIT = 1000
INFO_SYMBOLS_MAX = 100  # exchangeInfo's `symbols` list rides in the URL: past this, the whole listing
T = TypeVar("T")


def _as_is(body: Any) -> Any:
    return body


@dataclass(slots=True)
class RetryPolicy:
    """How REST calls wait and retry; `scale` shrinks every wait (tests run 429s and 5xx in milliseconds)."""

    scale: float = 1.0
    max_attempts: int = 6
    max_wait: float = 300.0
    timeout: float = 10.0
    weight_margin: float = 0.9
    backoff_initial: float = 0.5
    backoff_cap: float = 30.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep)

    def backoff(self) -> Backoff:
        """A fresh backoff for one call's 5xx and network retries (its waits are scaled by `scale` when slept)."""
        return Backoff(initial=self.backoff_initial, cap=self.backoff_cap)


class RestClient:
    """One httpx client to one exchange; use as `async with RestClient(endpoints) as rest`."""

    def __init__(
        self, endpoints: Endpoints | str, *, policy: RetryPolicy | None = None, client: httpx.AsyncClient | None = None
    ) -> None:
        self.endpoints = endpoints if isinstance(endpoints, Endpoints) else resolve_exchange(endpoints)
        self.policy = policy or RetryPolicy()
        self._client = client or httpx.AsyncClient(
            base_url=self.endpoints.rest_base, timeout=self.policy.timeout, verify=context_for(self.endpoints.rest_base)
        )
        self._info: ExchangeInfo | None = None
        self.used_weight = 0
        self.weight_limit: int | None = None

    async def __aenter__(self) -> RestClient:
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    async def _respect_weight(self, weight: int) -> None:
        """Pause until the next minute when this call would take the used weight over the margin."""
        if self.weight_limit is None or self.used_weight + weight <= self.weight_limit * self.policy.weight_margin:
            return
        wait = max(0.0, 60.0 - (time.time() % 60.0)) + 0.5
        log.warning("request weight %s of %s used; pausing %.1f s", self.used_weight, self.weight_limit, wait)
        await self.policy.sleep(wait * self.policy.scale)
        self.used_weight = 0

    async def get(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        weight: int = 1,
        parse: Callable[[Any], T] = _as_is,
    ) -> T:
        """GET /api/v3/<path>, decode its JSON and `parse` it, waiting out 429s and retrying 5xx, network errors
        and answers that are not what `parse` expects (an HTML error page, a short row)."""
        backoff = self.policy.backoff()
        await self._respect_weight(weight)
        last_error = ""
        for attempt in range(self.policy.max_attempts):
            try:
                resp = await self._client.get(f"/api/v3/{path}", params=params)
            except (httpx.TransportError, OSError) as exc:
                last_error = str(exc) or exc.__class__.__name__
                if attempt + 1 < self.policy.max_attempts and not isinstance(exc, httpx.ConnectError):
                    await self.policy.sleep(backoff.next_delay() * self.policy.scale)
                    continue
                raise ExchangeError(f"cannot reach {self.endpoints.host}: {last_error}") from None
            used = resp.headers.get("x-mbx-used-weight-1m")
            if used is not None and used.isdigit():
                self.used_weight = int(used)
            if resp.status_code == 200:
                try:
                    return parse(resp.json())
                except (ValueError, KeyError, TypeError, IndexError, AttributeError) as exc:
                    last_error = f"an answer that is not the expected JSON ({exc.__class__.__name__})"
                    log.warning("%s from %s; retrying", last_error, path)
                    await self.policy.sleep(backoff.next_delay() * self.policy.scale)
                    continue
            if resp.status_code in (418, 429):
                retry_after = float(resp.headers.get("retry-after", "1") or 1)
                if retry_after > self.policy.max_wait:  # a short ban (418) is waited out like a 429
                    raise RateLimited(
                        f"{self.endpoints.host} has banned this IP for {retry_after:.0f} s "
                        f"(HTTP {resp.status_code}); wait, then try again",
                        retry_after=retry_after,
                        status=resp.status_code,
                    )
                log.warning("HTTP %s from %s; waiting %.1f s", resp.status_code, path, retry_after)
                await self.policy.sleep(retry_after * self.policy.scale)
                continue
            if resp.status_code >= 500:
                last_error = f"HTTP {resp.status_code}"
                await self.policy.sleep(backoff.next_delay() * self.policy.scale)
                continue
            raise self._client_error(resp, params or {})
        raise ExchangeError(f"{self.endpoints.host} kept failing ({last_error}) after {self.policy.max_attempts} tries")

    def _client_error(self, resp: httpx.Response, params: dict[str, Any]) -> Exception:
        if resp.status_code == 451:
            return ExchangeError(
                f"{self.endpoints.name} is not available from your location (HTTP 451); try --exchange binance-us",
                status=451,
            )
        if resp.status_code == 403:
            return ExchangeError(f"{self.endpoints.host} refused the request (HTTP 403, firewall)", status=403)
        try:
            body = resp.json()
        except ValueError:
            body = resp.text
        code, msg = parse_error_body(body)
        if code == -1121:
            return BadInput(f"unknown symbol {params.get('symbol', '')!r} on {self.endpoints.name}")
        if code == -1120:
            return BadInput(
                f"{self.endpoints.name} has no {params.get('interval', '')} candles (invalid interval); "
                "choose another -i"
            )
        if code == -1100:
            return BadInput(f"{self.endpoints.name} rejected a parameter: {msg} (symbols are UPPERCASE, e.g. BTCUSDT)")
        return ExchangeError(
            f"{self.endpoints.name} answered HTTP {resp.status_code}: {msg}", code=code, status=resp.status_code
        )

    async def server_time(self) -> int:
        """The exchange's clock in ms."""
        return await self.get("time", parse=lambda body: int(body["serverTime"]))

    async def exchange_info(self, *, fresh: bool = False) -> ExchangeInfo:
        """exchangeInfo (fetched once, or again when `fresh`); also learns the request-weight limit."""
        if self._info is None or fresh:
            self._info = await self.get("exchangeInfo", weight=20, parse=parse_exchange_info)
            self.weight_limit = self._info.weight_limit_1m
        return self._info

    async def validate_symbols(self, symbols: Sequence[str]) -> list[str]:
        """The symbols, checked to be TRADING on this exchange (stream names must never be guessed)."""
        info = await self._info_of(symbols)
        trading = set(info.trading)
        for s in symbols:
            if s not in trading:
                status = info.symbols[s].status if s in info.symbols else None
                why = f"its status is {status}" if status else "no such symbol"
                raise BadInput(f"unknown or not trading symbol {s!r} on {self.endpoints.name} ({why})")
        return list(dict.fromkeys(symbols))

    async def _info_of(self, symbols: Sequence[str]) -> ExchangeInfo:
        """exchangeInfo of just these symbols: a few KB where Binance's whole listing is megabytes, read before the
        app can start. When one is unknown the exchange only says "Invalid symbol.", so the whole listing (fetched
        once) then tells which one, and why."""
        if self._info is not None or not symbols or len(symbols) > INFO_SYMBOLS_MAX:
            return await self.exchange_info()
        names = json.dumps(sorted(set(symbols)), separators=(",", ":"))
        try:
            info = await self.get("exchangeInfo", {"symbols": names}, weight=20, parse=parse_exchange_info)
        except BadInput:
            return await self.exchange_info()
        self.weight_limit = info.weight_limit_1m
        return info

    async def validate_series(self, symbols: Sequence[str], interval: Interval) -> list[str]:
        """The symbols checked to be TRADING and the interval checked to be offered (one kline asked for)."""
        first = SeriesKey(symbols[0], interval)
        checks = await asyncio.gather(
            self.validate_symbols(symbols), self.klines(first, limit=1), return_exceptions=True
        )
        for outcome in checks:  # a symbol's error comes first: a kline request for an unknown one fails too
            if isinstance(outcome, BaseException):
                raise outcome
        valid: list[str] = checks[0]  # type: ignore[assignment]
        return valid

    async def klines(
        self, key: SeriesKey, start_ms: int | None = None, end_ms: int | None = None, limit: int = KLINES_LIMIT
    ) -> list[Candle]:
        """One page of klines as the exchange returns them (the last may be forming)."""
        params: dict[str, Any] = {"symbol": key.symbol, "interval": key.interval.value, "limit": limit}
        if start_ms is not None:
            params["startTime"] = start_ms
        if end_ms is not None:
            params["endTime"] = end_ms
        return await self.get("klines", params, weight=2, parse=parse_klines)

    async def closed_klines(
        self, key: SeriesKey, start_ms: int, end_ms: int | None = None, *, now_ms: int | None = None
    ) -> AsyncIterator[list[Candle]]:
        """Pages of closed candles opening in [start_ms, end_ms], oldest first; forming candles are dropped."""
        now = now_ms if now_ms is not None else await self.server_time()
        start = start_ms
        while True:
            page = await self.klines(key, start, end_ms, KLINES_LIMIT)
            closed = [c for c in page if c.close_time < now and (end_ms is None or c.open_time <= end_ms)]
            if closed:
                yield closed
            if len(page) < KLINES_LIMIT or not closed:
                return
            start = key.interval.next_open(page[-1].open_time)

    async def ticker_24hr(self, symbols: Sequence[str]) -> list[Ticker24h]:
        """FULL 24 h tickers for the symbols."""
        if len(symbols) == 1:
            return [await self.get("ticker/24hr", {"symbol": symbols[0]}, weight=2, parse=parse_ticker_24hr)]
        quoted = "[" + ",".join(f'"{s}"' for s in symbols) + "]"
        weight = 2 if len(symbols) <= 20 else 40 if len(symbols) <= 100 else 80
        return await self.get(
            "ticker/24hr", {"symbols": quoted}, weight=weight, parse=lambda body: [parse_ticker_24hr(t) for t in body]
        )
