"""Which exchange to talk to: a preset, a URL, or a synthetic exchange served in this process (--demo)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from tuichart.binance.presets import Endpoints, resolve_exchange


@dataclass(frozen=True, slots=True)
class DemoMarket:
    """The in-process synthetic exchange: seeded, on the wall clock, forming candles pushed several times a second."""

    seed: int = 7
    forming_every: float = 0.25
    """Seconds between pushes of a forming candle (Binance: about 2)."""


@contextlib.asynccontextmanager
async def exchange_endpoints(
    exchange: str, demo: DemoMarket | None, symbols: Sequence[str] = ()
) -> AsyncIterator[Endpoints]:
    """The endpoints to use; with `demo`, a synthetic exchange served on loopback for the duration."""
    if demo is None:
        yield resolve_exchange(exchange)
        return
    from tuichart.exchange import EmbeddedExchange, demo_market

    market = demo_market(symbols, seed=demo.seed)
    async with EmbeddedExchange(market, forming_every=demo.forming_every) as ex:
        yield resolve_exchange(ex.url)
