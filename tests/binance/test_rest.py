"""The REST client against the embedded exchange (and a tiny 451 server): paging, errors, limits, retries."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

import httpx
import pytest
from aiohttp import web

from tests.data_paths import VISION_ZIPS
from tuichart.binance.backoff import Backoff
from tuichart.binance.presets import resolve_exchange
from tuichart.binance.rest import RestClient, RetryPolicy
from tuichart.binance.vision import read_kline_file
from tuichart.domain import Interval, SeriesKey
from tuichart.errors import BadInput, ExchangeError, RateLimited
from tuichart.exchange import EmbeddedExchange, replay_market

DAY1 = 1577836800000
KEY = SeriesKey("BTCUSDT", Interval.M1)


class Sleeps:
    """Records every wait instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture()
async def ex() -> AsyncIterator[EmbeddedExchange]:
    market = replay_market(VISION_ZIPS, speed=1, start_ms=DAY1 + 2 * 1440 * 60_000 + 30_000)
    async with EmbeddedExchange(market) as exchange:
        yield exchange


async def test_paging_a_whole_day_drops_the_forming_row(ex: EmbeddedExchange) -> None:
    days = [c for z in VISION_ZIPS[:2] for c in read_kline_file(z)]
    async with RestClient(ex.url) as rest:
        pages = [p async for p in rest.closed_klines(KEY, DAY1)]
        assert [len(p) for p in pages] == [1000, 1000, 880]
        assert [c for p in pages for c in p] == days
        forming = await rest.klines(KEY, limit=2)
        assert forming[-1].close_time > await rest.server_time()
        ranged = [c async for p in rest.closed_klines(KEY, DAY1 + 60_000, DAY1 + 600_000) for c in p]
        assert ranged == days[1:11]


async def test_typed_symbols_are_checked_without_the_whole_listing(ex: EmbeddedExchange) -> None:
    """Binance's whole exchangeInfo is megabytes, read before the app starts: the check asks for the typed symbols,
    and for the whole listing only to say which one is unknown."""
    asked: list[str] = []

    async def record(request: httpx.Request) -> None:
        if request.url.path.endswith("/exchangeInfo"):
            asked.append(request.url.params.get("symbols", "(all)"))

    endpoints = resolve_exchange(ex.url)
    client = httpx.AsyncClient(base_url=endpoints.rest_base, event_hooks={"request": [record]})
    async with RestClient(endpoints, client=client) as rest:
        assert await rest.validate_series(["BTCUSDT", "BTCUSDT"], Interval.M1) == ["BTCUSDT"]
        assert asked == ['["BTCUSDT"]'] and rest.weight_limit == 6000
        with pytest.raises(BadInput, match=r"'NOPEUSDT'.*no such symbol"):
            await rest.validate_symbols(["BTCUSDT", "NOPEUSDT"])
        assert asked[1:] == ['["BTCUSDT","NOPEUSDT"]', "(all)"]
        with pytest.raises(BadInput, match=r"'NOPEUSDT'.*no such symbol"):
            await rest.validate_symbols(["NOPEUSDT"])
        assert len(asked) == 3  # the whole listing, once fetched, answers every later check


async def test_symbols_are_validated_against_trading_ones(ex: EmbeddedExchange) -> None:
    async with RestClient(ex.url) as rest:
        assert await rest.validate_symbols(["BTCUSDT", "BTCUSDT"]) == ["BTCUSDT"]
        with pytest.raises(BadInput, match=r"not trading symbol 'LUNCBTC'.*status is BREAK"):
            await rest.validate_symbols(["LUNCBTC"])
        with pytest.raises(BadInput, match=r"'NOPEUSDT'.*no such symbol"):
            await rest.validate_symbols(["NOPEUSDT"])
        info = await rest.exchange_info()
        assert rest.weight_limit == info.weight_limit_1m == 6000
        tickers = await rest.ticker_24hr(["BTCUSDT"])
        assert tickers[0].symbol == "BTCUSDT" and tickers[0].high >= tickers[0].low


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (SeriesKey("NOPEUSDT", Interval.M1), "unknown symbol 'NOPEUSDT'"),
        (SeriesKey("btcusdt", Interval.M1), "UPPERCASE"),
    ],
)
async def test_binance_errors_become_one_line(ex: EmbeddedExchange, key: SeriesKey, message: str) -> None:
    async with RestClient(ex.url) as rest:
        with pytest.raises(BadInput, match=message):
            await rest.klines(key)


async def test_429_retry_after_and_5xx_are_waited_out(ex: EmbeddedExchange) -> None:
    sleeps = Sleeps()
    async with RestClient(ex.url, policy=RetryPolicy(sleep=sleeps)) as rest:
        await ex.inject("http429")
        await ex.inject("http5xx")
        await ex.inject("http5xx")
        assert await rest.server_time() > 0
    assert sleeps.calls[0] == 1.0  # Retry-After honoured
    assert len(sleeps.calls) == 3 and 0.25 <= sleeps.calls[1] <= 0.5 and 0.5 <= sleeps.calls[2] <= 1.0


async def test_weight_limit_pauses_before_the_budget_runs_out() -> None:
    market = replay_market(VISION_ZIPS[:1], speed=1)
    sleeps = Sleeps()
    async with (
        EmbeddedExchange(market, weight_limit=40) as ex,
        RestClient(ex.url, policy=RetryPolicy(sleep=sleeps)) as rest,
    ):
        await rest.exchange_info()  # weight 20 of 40
        for _ in range(8):
            await rest.klines(KEY, limit=1)  # weight 2 each: 36 of 40, the 90 % margin
        assert sleeps.calls == []
        await rest.klines(KEY, limit=1)
        assert rest.weight_limit == 40 and rest.used_weight == 38  # as the exchange reports it
    assert len(sleeps.calls) == 1 and 0 < sleeps.calls[0] <= 61  # paused instead of running into a 429


@asynccontextmanager
async def look_alike(path: str, handler: Callable[[web.Request], Awaitable[web.Response]]) -> AsyncIterator[str]:
    """A loopback server answering GET `path` with `handler`; yields its base URL."""
    app = web.Application()
    app.router.add_get(path, handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def test_persistent_failures_and_bans() -> None:
    async def handler(request: web.Request) -> web.Response:
        status = int(request.query.get("status", "451"))
        return web.json_response({"code": 0, "msg": "x"}, status=status, headers={"Retry-After": "7200"})

    async with (
        look_alike("/api/v3/{tail:.*}", handler) as url,
        RestClient(url, policy=RetryPolicy(sleep=Sleeps())) as rest,
    ):
        with pytest.raises(
            ExchangeError,
            match=r"not available from your location \(HTTP 451\); try --exchange "
            "binance-us",
        ):
            await rest.get("time")
        with pytest.raises(RateLimited, match="banned"):
            await rest.get("time", {"status": 418})
        with pytest.raises(ExchangeError, match="kept failing"):
            await rest.get("time", {"status": 502})
    async with RestClient("http://127.0.0.1:9") as rest:
        with pytest.raises(ExchangeError, match=r"cannot reach 127\.0\.0\.1:9"):
            await rest.server_time()


def test_presets_and_backoff() -> None:
    assert resolve_exchange("binance").ws_base == "wss://stream.binance.com:9443"
    assert resolve_exchange("binance-vision").rest_base == "https://data-api.binance.vision"
    e = resolve_exchange("http://127.0.0.1:8765")
    assert (e.rest_base, e.ws_base) == ("http://127.0.0.1:8765", "ws://127.0.0.1:8765")
    with pytest.raises(BadInput, match="unknown exchange 'kraken'"):
        resolve_exchange("kraken")
    b = Backoff(rand=lambda: 1.0)
    assert [b.next_delay() for _ in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
    b.reset()
    low = Backoff(rand=lambda: 0.0)
    assert b.next_delay() == 1 and low.next_delay() == 0.5


async def test_answers_that_are_not_the_expected_json_are_retried() -> None:
    """A look-alike server whose 200s are first an HTML page, then JSON of the wrong shape, then a short row."""
    good = [[DAY1, "1.00000000", "2.00000000", "0.50000000", "1.50000000", "3.00000000", DAY1 + 59_999,
             "4.50000000", 7, "1.00000000", "1.50000000", "0"]]  # fmt: skip
    answers: list[Callable[[], web.Response]] = [
        lambda: web.Response(text="<html><body>502 Bad Gateway</body></html>", content_type="text/html"),
        lambda: web.json_response({"unexpected": "object"}),
        lambda: web.json_response([good[0][:5]]),
        lambda: web.json_response(good),
    ]
    served: list[int] = []

    async def handler(request: web.Request) -> web.Response:
        served.append(1)
        return answers[min(len(served), len(answers)) - 1]()

    sleeps = Sleeps()
    async with look_alike("/api/v3/klines", handler) as url, RestClient(url, policy=RetryPolicy(sleep=sleeps)) as rest:
        page = await rest.klines(KEY)
        assert len(served) == 4 and len(sleeps.calls) == 3  # three bad answers, each waited out
        assert [(c.open_time, c.close, c.trades) for c in page] == [(DAY1, 1.5, 7)]
        served.clear()
        answers[3] = answers[0]  # never right: a clear failure after the policy's tries
        with pytest.raises(ExchangeError, match=r"kept failing .*not the expected JSON"):
            await rest.klines(KEY)
