"""`tuichart web [SYMBOL] [-i INTERVAL]`: the popout server without the terminal app."""

from __future__ import annotations

import argparse
import asyncio
import os
from typing import Any

from tuichart.alerts.rules import level_lines
from tuichart.cli.attach import running_recorder
from tuichart.cli.checks import check_on_exchange
from tuichart.cli.demo import command_settings
from tuichart.cli.output import result
from tuichart.cli.progress import stderr
from tuichart.config import Settings
from tuichart.domain import Interval, KlineEvent, SeriesKey, normalize_symbol
from tuichart.engine.builder import EngineHooks, build_engine
from tuichart.engine.chart_data import ChartData
from tuichart.engine.chart_snapshot import chart_snapshot, last_candle, stored_snapshot
from tuichart.engine.endpoints import DemoMarket, exchange_endpoints
from tuichart.engine.engine import EngineOptions, MarketEngine
from tuichart.engine.feed import FeedEvent
from tuichart.engine.history import load_history
from tuichart.engine.policies import rest_client
from tuichart.errors import TuichartError
from tuichart.indicators import MIN_WARMUP
from tuichart.store import Store
from tuichart.web import PopoutServer
from tuichart.web.browser import open_browser

SNAPSHOT_CANDLES = 1000


def run_web(args: argparse.Namespace) -> int:
    """Serve the page until Ctrl-C."""
    settings, _ = command_settings(args)
    symbol = normalize_symbol(args.symbol or settings.watchlist[0])
    key = SeriesKey(symbol, Interval.parse(args.interval or settings.interval))
    recorder = running_recorder(settings.data_dir)
    if recorder is not None:  # it holds the store and the exchange's streams: this session goes through it
        settings.exchange = recorder.url
        result(f"attached to the recorder of {settings.data_dir} (pid {recorder.pid})")
    demo = args.demo and recorder is None
    if not demo:
        check_on_exchange(settings, [key.symbol], key.interval)
    with Store.open(None if recorder is not None else settings.data_dir) as store:
        store.bound_memory()  # it records every closed candle it streams, as `record` does
        asyncio.run(_serve(settings, demo, store, key, args.port))
    return 0


async def _serve(settings: Settings, demo: bool, store: Store, key: SeriesKey, port: int) -> None:
    studies = settings.indicators
    live: dict[SeriesKey, ChartData] = {}  # the streamed chart, once its history is loaded
    async with exchange_endpoints(settings.exchange, DemoMarket() if demo else None, [key.symbol]) as endpoints:

        async def snapshot(k: SeriesKey) -> dict[str, Any]:
            if k in live:  # what the updates build on, forming candle included
                snap = chart_snapshot(live[k], SNAPSHOT_CANDLES)
            else:
                snap = await asyncio.to_thread(stored_snapshot, store, k, studies, SNAPSHOT_CANDLES, endpoints)
            return {**snap, "levels": level_lines(settings.alerts, k.symbol)}

        server = PopoutServer(snapshot, key, port=port)
        url = await server.start()
        result(f"tuichart popout for {key} at {url}")
        result(f"from another machine: {server.ssh_hint()}, then open the same URL")
        stderr().print("Ctrl-C stops", markup=False, style="dim")
        if open_browser(url, os.environ):
            stderr().print("opened in your browser", markup=False, style="dim")
        engine = build_engine(
            rest_client(endpoints, settings.network),
            store,
            EngineOptions(settings.network),
            source="web",
            studies=studies,
            hooks=EngineHooks(on_store_error=lambda exc: stderr().print(f"store write failed: {exc}", markup=False)),
        )
        try:
            await _stream(server, engine, settings, live, key)
        finally:
            await server.stop()
            await engine.close()


async def _stream(
    server: PopoutServer, engine: MarketEngine, settings: Settings, live: dict[SeriesKey, ChartData], key: SeriesKey
) -> None:
    """Push every update of the chart to the pages; with the exchange unreachable, serve the history alone."""
    try:
        await engine.start([key.symbol], key.interval)
        endpoints = engine.rest.endpoints
        history = await asyncio.to_thread(
            load_history, engine.store, key, MIN_WARMUP + SNAPSHOT_CANDLES, endpoints=endpoints
        )
        # the engine's state of the series, which it keeps in step with every push before telling subscribers
        chart = live[key] = ChartData.over(engine.series.load(key, history.candles), settings.indicators)

        def update(event: FeedEvent) -> None:
            if isinstance(event, KlineEvent) and event.key == key:
                server.send(last_candle(chart))

        engine.subscribe(update)
        await engine.run()
    except TuichartError as exc:
        stderr().print(f"no live updates ({exc}); serving the stored candles", markup=False)
        await asyncio.Event().wait()
