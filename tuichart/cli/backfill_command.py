"""`tuichart backfill`: the store's missing closed candles fetched from the exchange over a range."""

from __future__ import annotations

import asyncio

from tuichart.binance.presets import resolve_exchange
from tuichart.cli.output import result
from tuichart.cli.progress import progress_bar
from tuichart.config import Settings
from tuichart.domain import Interval, SeriesKey
from tuichart.engine.policies import rest_client
from tuichart.jobs.backfill import backfill as run_backfill
from tuichart.plural import plural
from tuichart.store import Store
from tuichart.timeparse import format_time


def backfill(settings: Settings, symbols: list[str], interval: Interval, since: int, until: int | None) -> int:
    """`tuichart backfill`: fill the store's missing closed candles in [since, until]."""
    return asyncio.run(_backfill(settings, symbols, interval, since, until))


async def _backfill(settings: Settings, symbols: list[str], interval: Interval, since: int, until: int | None) -> int:
    async with rest_client(resolve_exchange(settings.exchange), settings.network) as rest:
        valid = await rest.validate_series(symbols, interval)
        now = await rest.server_time()
        with Store.open(settings.data_dir, fallback=False) as store, progress_bar() as progress:
            keys = [SeriesKey(s, interval) for s in valid]
            report = await run_backfill(rest, store, keys, since, until, now, progress)
    for key, n in report.written.items():
        result(f"{key}: {plural(n, 'candle')} written")
    for gap in report.exchange_gaps:
        result(f"{gap.key}: the exchange has no candles {format_time(gap.first_open)} .. {format_time(gap.last_open)}")
    return 0
