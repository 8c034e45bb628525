"""EmbeddedExchange: Binance's REST and websocket protocol on one loopback port, with scripted faults."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType

from aiohttp import web

from tuichart.errors import BadInput
from tuichart.exchange.faults import BURST, MARKET_KINDS, SOCKET_KINDS, FaultPlan, parse_faults
from tuichart.exchange.rest_api import RestApi
from tuichart.exchange.served import ServedMarket
from tuichart.exchange.sources import replay_market, synthetic_market, wide_market
from tuichart.exchange.streams import FORMING_WALL_SECONDS, StreamHub
from tuichart.exchange.wide import WideMarket
from tuichart.plural import plural

log = logging.getLogger(__name__)


class EmbeddedExchange:
    """A real HTTP + websocket server speaking Binance's market-data protocol."""

    def __init__(
        self,
        market: ServedMarket,
        *,
        faults: FaultPlan | None = None,
        weight_limit: int = 6000,
        ping_interval: float = 20.0,
        forming_every: float = FORMING_WALL_SECONDS,
        updates_per_candle: int = 4,
    ) -> None:
        self.market = market
        self.faults = faults
        self.fault_counts: Counter[str] = Counter()
        self.rest = RestApi(market, weight_limit)
        self.hub = StreamHub(market, ping_interval, updates_per_candle, forming_every)
        if faults is not None:
            self.rest.retry_after = faults.retry_after
        self.market_events: list[tuple[str, str]] = []
        """(kind, symbol) of each `delist` and `list`, in order."""
        self._events = random.Random(faults.seed if faults is not None else 0)
        self._runner: web.AppRunner | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._url = ""

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:8765 (websockets on the same port with ws://)."""
        return self._url

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on host:port (0 picks a free port) and start the market pump and fault schedule."""
        app = web.Application()
        app.add_routes(self.rest.routes() + self.hub.routes())
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        bound = server.sockets[0].getsockname()  # type: ignore[attr-defined]
        self._url = f"http://{host}:{bound[1]}"
        self._tasks.append(asyncio.create_task(self.hub.pump()))
        if self.faults is not None:
            self._tasks.append(asyncio.create_task(self._run_faults(self.faults)))
        return self._url

    async def stop(self) -> None:
        """Close every connection and stop listening."""
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t
        self._tasks.clear()
        for conn in list(self.hub.connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"Server going away")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def inject(self, kind: str, seconds: float | None = None) -> None:
        """Inject one fault now; `seconds` is how long a silence (1 s unless given) or a REST outage lasts."""
        self.fault_counts[kind] += 1
        log.info("injecting fault %s", kind)
        if kind in MARKET_KINDS:
            self._market_event(kind)
        elif kind == "dropone":
            self.hub.drop_one(self._events)
        elif kind in SOCKET_KINDS:
            await self.hub.inject(kind, 1.0 if seconds is None else seconds)
        elif kind == "burst5xx" and seconds:
            self.rest.failing_until = time.monotonic() + seconds
        elif kind == "burst5xx":
            self.rest.pending.extend(["http5xx"] * BURST)
        else:
            self.rest.pending.append(kind)

    def _market_event(self, kind: str) -> None:
        """Delist a trading symbol or list a new one (a wide synthetic market only), and say which."""
        market = self.market
        if not isinstance(market, WideMarket):
            raise BadInput(f"{kind}: only a --synthetic-market lists and delists symbols")
        if kind == "delist":
            symbol = self._events.choice(market.symbols())
            market.halt(symbol)
        else:
            symbol, listed = market.new_symbol(self._events)
            market.list_new(symbol, listed)
        self.market_events.append((kind, symbol))
        log.info("%sed %s", kind, symbol)

    async def _run_faults(self, plan: FaultPlan) -> None:
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        for fault in plan.schedule():
            await asyncio.sleep(max(0.0, t0 + fault.at - loop.time()))
            await self.inject(fault.kind, fault.seconds)

    async def __aenter__(self) -> EmbeddedExchange:
        await self.start()
        return self

    async def __aexit__(
        self, et: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()


async def run_exchange(
    host: str,
    port: int,
    replay: Sequence[Path],
    synthetic: Sequence[str] | int,
    speed: float,
    seed: int,
    faults: str | None,
    announce: Callable[[str], None],
    *,
    start_ms: int | None = None,
    weight_limit: int = 6000,
    latency: float = 0.0,
) -> None:
    """`tuichart exchange`: serve until cancelled; `synthetic` is symbols, or a market's size; each REST answer
    `latency` seconds late."""
    plan = parse_faults(faults) if faults else None
    market: ServedMarket
    if replay:
        market = replay_market(replay, speed=speed, start_ms=start_ms)
    elif isinstance(synthetic, int):
        market = wide_market(synthetic, seed=seed, speed=speed, now_ms=start_ms)
    else:
        market = synthetic_market(synthetic, seed=seed, speed=speed, now_ms=start_ms)
    wide = isinstance(market, WideMarket)
    events = sorted({f.kind for f in plan.timed if f.kind in MARKET_KINDS}) if plan is not None else []
    if events and not wide:
        raise BadInput(f"{events[0]}: only a --synthetic-market lists and delists symbols")
    # a wide market pushes at Binance's cadence (about every 2 s a stream), whatever the speed
    ex = EmbeddedExchange(market, faults=plan, updates_per_candle=0 if wide else 4, weight_limit=weight_limit)
    ex.rest.latency = latency
    url = await ex.start(host, port)
    symbols = plural(len(market.listing), "symbol")
    announce(f"tuichart exchange listening on {url} ({symbols}, speed x{speed:g}); use --exchange {url}")
    try:
        await asyncio.Event().wait()
    finally:
        await ex.stop()
        if ex.fault_counts:
            announce("faults injected: " + ", ".join(f"{k} {n}" for k, n in sorted(ex.fault_counts.items())))
        if ex.hub.hostile_sent:
            announce("hostile frames sent: " + ", ".join(f"{n} {k}" for k, n in sorted(ex.hub.hostile_sent.items())))
