"""History for drawing: the closed candles of a series from the store, fetched over REST first when short."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from tuichart.binance.presets import Endpoints
from tuichart.binance.rest import RestClient, RetryPolicy
from tuichart.domain import Candle, SeriesKey
from tuichart.errors import TuichartError
from tuichart.indicators import MIN_WARMUP
from tuichart.jobs.indicator_rebuild import catch_up
from tuichart.store import Store

log = logging.getLogger(__name__)

CHART_CANDLES = MIN_WARMUP + 1000
"""Candles a chart loads first: a screen's width of them and the indicators' warm-up before."""


@dataclass(frozen=True, slots=True)
class History:
    """Closed candles of one series, oldest first, and whether older ones may still exist."""

    key: SeriesKey
    candles: list[Candle]
    before: int | None
    """The open time the request asked for candles before (None: the newest)."""
    more: bool
    """False once the exchange has nothing older (the listing's first candle was reached)."""
    error: str | None = None
    """Why the exchange could not fill in (shown; the stored candles are still returned)."""
    synced: bool = False
    """True when the exchange was asked for what the store lacked (not only the store was read)."""


def load_history(
    store: Store,
    key: SeriesKey,
    need: int,
    *,
    endpoints: Endpoints | None,
    policy: RetryPolicy | None = None,
    before: int | None = None,
) -> History:
    """The newest `need` closed candles (or the `need` before `before`); blocking, run it in a thread."""
    candles = _stored(store, key, need, before)
    error = None
    more = True
    if endpoints is not None:
        try:
            fetched, more = asyncio.run(_fetch(store, key, need, before, candles, endpoints, policy))
        except TuichartError as exc:
            error = str(exc)
            log.warning("history of %s: %s", key, exc)
        else:
            if fetched:
                candles = _stored(store, key, need, before)
    synced = endpoints is not None and error is None
    return History(key, candles, before, more and bool(candles), error, synced)


def _stored(store: Store, key: SeriesKey, need: int, before: int | None) -> list[Candle]:
    return store.load_candles(key, last=need, until=None if before is None else before - 1)


async def _fetch(
    store: Store,
    key: SeriesKey,
    need: int,
    before: int | None,
    have: list[Candle],
    endpoints: Endpoints,
    policy: RetryPolicy | None,
) -> tuple[int, bool]:
    """Fetch what the store lacks: the span up to now (or `before`), then older candles; (written, more)."""
    iv = key.interval
    async with RestClient(endpoints, policy=policy) as rest:
        now = await rest.server_time()
        end = iv.open_time(now) - 1 if before is None else before - 1
        written = 0
        first: int | None = None

        async def fetch(start: int, stop: int) -> int:
            nonlocal written, first
            got = 0
            async for page in rest.closed_klines(key, max(0, start), stop, now_ms=now):
                written += store.upsert(key, page)
                got += len(page)
                first = page[0].open_time if first is None else min(first, page[0].open_time)
            return got

        if have and before is None and iv.next_open(have[-1].open_time) <= end:
            await fetch(iv.next_open(have[-1].open_time), end)  # a stale store catches up to now
        more = True
        if len(have) < need:
            oldest = have[0].open_time - 1 if have else end
            more = await fetch(oldest - (need - len(have)) * iv.nominal_ms, oldest) > 0
        if first is not None:
            catch_up(store, {key: first})
        return written, more
