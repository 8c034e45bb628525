"""`tuichart web [SYMBOL] [-i INTERVAL]`: the popout server without the terminal app."""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from tuichart.cli.progress import stderr
from tuichart.config import load_settings
from tuichart.domain import Interval, SeriesKey, normalize_symbol
from tuichart.services.chart_snapshot import stored_snapshot
from tuichart.services.endpoints import DemoMarket, exchange_endpoints
from tuichart.store import Store
from tuichart.web import PopoutServer
from tuichart.web.browser import open_browser

SNAPSHOT_CANDLES = 1000


def run_web(args: argparse.Namespace) -> int:
    """Serve the page until Ctrl-C."""
    settings = load_settings(args.data_dir, args.exchange)
    symbol = normalize_symbol(args.symbol or settings.watchlist[0])
    key = SeriesKey(symbol, Interval.parse(args.interval or settings.interval))
    with Store.open(settings.data_dir) as store:
        asyncio.run(_serve(settings.exchange, args.demo, store, key, args.port, settings.indicators))
    return 0


async def _serve(exchange: str, demo: bool, store: Store, key: SeriesKey, port: int, studies: Any) -> None:
    async with exchange_endpoints(exchange, DemoMarket() if demo else None, [key.symbol]) as endpoints:

        async def snapshot(k: SeriesKey) -> dict[str, Any]:
            return await asyncio.to_thread(stored_snapshot, store, k, studies, SNAPSHOT_CANDLES, endpoints)

        server = PopoutServer(snapshot, key, port=port)
        url = await server.start()
        stderr.print(f"tuichart popout for {key} at {url}", markup=False, soft_wrap=True)
        stderr.print(f"from another machine: {server.ssh_hint()}, then open the same URL", markup=False, soft_wrap=True)
        stderr.print("Ctrl-C stops", markup=False, style="dim")
        if open_browser(url, os.environ):
            stderr.print("opened in your browser", markup=False, style="dim")
        try:
            await asyncio.Event().wait()
        finally:
            await server.stop()
