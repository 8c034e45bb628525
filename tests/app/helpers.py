"""The app against a real embedded exchange served from a thread (so any test's event loop can reach it)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from tuichart.binance.presets import resolve_exchange
from tuichart.config_schema import NetworkSettings
from tuichart.domain import Interval, SeriesKey
from tuichart.exchange import EmbeddedExchange, synthetic_market
from tuichart.exchange.candles import Market
from tuichart.store import Store
from tuichart.tui import AppOptions, TuichartApp, make_app

FROZEN_NOW = 1_764_000_037_000  # 2025-11-24 16:00:37 UTC: a fixed market clock makes every screen reproducible
SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "SHIBUSDT", "ADAUSDT", "PEPEUSDT"]
FAST_NETWORK = NetworkSettings(reconnect_initial=0.05, reconnect_cap=0.2, silence_timeout=2.0, retry_scale=0.01)


class ThreadedExchange:
    """An EmbeddedExchange running on its own event loop in a daemon thread."""

    def __init__(self, market: Market) -> None:
        self.exchange = EmbeddedExchange(market)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self.exchange.start(), self.loop).result(10)

    def run(self, coro_factory: Callable[[], object]) -> object:
        """Run a coroutine on the exchange's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro_factory(), self.loop).result(10)  # type: ignore[arg-type]

    def stop(self) -> None:
        """Close every connection and the loop (once)."""
        if not self.loop.is_running():
            return
        asyncio.run_coroutine_threadsafe(self.exchange.stop(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


@contextmanager
def exchange(
    speed: float = 0.0, now_ms: int = FROZEN_NOW, symbols: list[str] | None = None
) -> Iterator[ThreadedExchange]:
    """A synthetic exchange; speed 0 freezes its clock (the same candles and quotes every run)."""
    market = synthetic_market(symbols or SYMBOLS, seed=3, speed=speed, now_ms=now_ms, history_days=3)
    ex = ThreadedExchange(market)
    try:
        yield ex
    finally:
        ex.stop()


def build_app(
    tmp: Path,
    url: str,
    symbols: list[str] | None = None,
    interval: Interval = Interval.M1,
    **options: object,
) -> TuichartApp:
    """The app as the CLI builds it, on a store and a config file under `tmp`."""
    opts = AppOptions(
        symbols=list(symbols or SYMBOLS[:5]),
        interval=interval,
        exchange=url,
        fps=30.0,
        data_dir=tmp / "data",
        config_file=tmp / "config.toml",
        **{"network": FAST_NETWORK, **options},  # type: ignore[arg-type]
    )
    return make_app(opts, Store.open(tmp / "data"), endpoints=resolve_exchange(url))


async def wait_for(pilot: object, predicate: Callable[[], bool], timeout: float = 15.0) -> None:
    """Pump the app until `predicate` holds (no fixed sleeps)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for the app")
        await pilot.pause(0.05)  # type: ignore[attr-defined]


def chart_ready(app: TuichartApp, key: SeriesKey | None = None) -> Callable[[], bool]:
    """True once the chart of `key` (default: the shown one) is loaded, live and drawn."""

    def ready() -> bool:
        k = key or app.current_key
        pane = app.query_one("#pane-candles")
        chart = app.charts.get(k)
        return (
            chart is not None
            and chart.series.forming is not None
            and app.status.state == "live"
            and pane.builds > 0  # type: ignore[attr-defined]
            and not app._dirty
            and not any(w.group == "history" and not w.is_finished for w in app.workers)
        )

    return ready
