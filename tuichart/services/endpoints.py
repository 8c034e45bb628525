"""Which exchange to talk to: a preset, a URL, or a synthetic exchange served in this process (--demo)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from tuichart.market.presets import Endpoints, resolve_exchange

DEMO_SYMBOLS = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "DOGEUSDT")


@dataclass(frozen=True, slots=True)
class DemoMarket:
    """The in-process synthetic exchange: seeded, with a fast clock (a 1m candle every 2 s at speed 30)."""

    seed: int = 7
    speed: float = 30.0
    now_ms: int | None = None


@contextlib.asynccontextmanager
async def exchange_endpoints(
    exchange: str, demo: DemoMarket | None, symbols: Sequence[str] = ()
) -> AsyncIterator[Endpoints]:
    """The endpoints to use; with `demo`, a synthetic exchange served on loopback for the duration."""
    if demo is None:
        yield resolve_exchange(exchange)
        return
    from tuichart.exchange import EmbeddedExchange, synthetic_market

    market = synthetic_market(sorted({*DEMO_SYMBOLS, *symbols}), seed=demo.seed, speed=demo.speed, now_ms=demo.now_ms)
    async with EmbeddedExchange(market) as ex:
        yield resolve_exchange(ex.url)
