"""The app against a real embedded exchange served from a thread (so any test's event loop can reach it)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from textual.app import App
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot
from textual.widget import Widget

from tests.tui.screen import text
from tuichart.binance.presets import resolve_exchange
from tuichart.binance.protocol import parse_klines
from tuichart.config_schema import NetworkSettings
from tuichart.domain import Candle, Interval
from tuichart.exchange import EmbeddedExchange, synthetic_market
from tuichart.exchange.candles import Market
from tuichart.store import Store
from tuichart.tui import AppOptions, TuichartApp, make_app

FROZEN_NOW = 1_764_000_037_000  # 2025-11-24 16:00:37 UTC: a fixed market clock makes every screen reproducible
SYMBOLS = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "SHIBUSDT", "ADAUSDT", "PEPEUSDT"]
FAST_NETWORK = NetworkSettings(reconnect_initial=0.05, reconnect_cap=0.2, silence_timeout=2.0, retry_scale=0.01)
T = TypeVar("T")


class ThreadedExchange:
    """An EmbeddedExchange running on its own event loop in a daemon thread."""

    def __init__(self, market: Market) -> None:
        self.exchange = EmbeddedExchange(market)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.url = asyncio.run_coroutine_threadsafe(self.exchange.start(), self.loop).result(10)

    def run(self, coro_factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
        """Run a coroutine on the exchange's loop and wait for it."""
        return asyncio.run_coroutine_threadsafe(coro_factory(), self.loop).result(10)

    def streamed(self) -> set[str]:
        """The kline series the exchange's open websockets are subscribed to, as `BTCUSDT 1m`."""

        async def names() -> set[str]:
            return {name for conn in self.exchange.hub.connections for name in conn.streams}

        series = set()
        for name in self.run(names):
            symbol, _, stream = name.partition("@")
            if stream.startswith("kline_"):
                series.add(f"{symbol.upper()} {stream.removeprefix('kline_')}")
        return series

    def klines(self, symbol: str, interval: str, limit: int) -> list[Candle]:
        """The newest candles the exchange serves over REST, the forming one last."""
        params: dict[str, str | int] = {"symbol": symbol, "interval": interval, "limit": limit}
        return parse_klines(httpx.get(f"{self.url}/api/v3/klines", params=params).json())

    def connections(self) -> set[int]:
        """Identities of the exchange's open websockets (a new one after a reconnect)."""

        async def ids() -> set[int]:
            return {id(conn) for conn in self.exchange.hub.connections}

        return self.run(ids)

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
) -> tuple[TuichartApp, Store]:
    """The app as the CLI builds it, on a store and a config file under `tmp`; the store is the caller's to close."""
    opts = AppOptions(
        symbols=list(symbols or SYMBOLS[:5]),
        interval=interval,
        exchange=url,
        fps=30.0,
        data_dir=tmp / "data",
        config_file=tmp / "config.toml",
        **{"network": FAST_NETWORK, **options},  # type: ignore[arg-type]
    )
    store = Store.open(tmp / "data")
    return make_app(opts, store, endpoints=resolve_exchange(url)), store


class Watch:
    """Wakes a waiting test on every message the app handles, and keeps the notifications it showed."""

    def __init__(self) -> None:
        self.notes: list[tuple[str, str]] = []
        """(title, message) of each notification, oldest first."""
        self._woken = asyncio.Event()

    def hook(self, message: Message) -> None:
        """The app's message hook."""
        if isinstance(message, Notify):
            self.notes.append((message.notification.title, message.notification.message))
        self._woken.set()

    def follow(self, app: App[int]) -> None:
        """Hear the messages of an app started without this hook (a snapshot's), and those of its screen."""
        for node in (app, app.screen):
            node.message_signal.subscribe(app, self.hook, immediate=True)

    @property
    def messages(self) -> list[str]:
        """The notifications' texts."""
        return [message for _, message in self.notes]

    async def until(self, check: Callable[[], bool], what: str = "", timeout: float = 15.0) -> None:
        """Wait until `check` holds, tried again after every message the app handles."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not check():
            self._woken.clear()
            left = deadline - loop.time()
            if left <= 0:
                raise AssertionError(f"timed out waiting for {what or getattr(check, '__name__', 'the app')}")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._woken.wait(), left)


@dataclass
class Run:
    """A running app, the pilot that drives it, what it has shown, and its store (read while it runs)."""

    app: TuichartApp
    pilot: Pilot[int]
    watch: Watch
    store: Store

    async def until(self, check: Callable[[], bool], what: str = "", timeout: float = 15.0) -> None:
        """Wait until `check` holds, tried again after every message the app handles."""
        try:
            await self.watch.until(check, what, timeout)
        except AssertionError as exc:
            shown = "\n".join(text(w) for w in self.app.query("#legend, #status").results(Widget))
            raise AssertionError(f"{exc}; the screen shows:\n{shown}") from None

    async def press(self, *keys: str) -> None:
        """Press keys."""
        await self.pilot.press(*keys)


@asynccontextmanager
async def running(app: TuichartApp, store: Store, size: tuple[int, int] = (160, 48)) -> AsyncIterator[Run]:
    """Run the app headless with a message hook; the store is closed once the app has ended."""
    watch = Watch()
    try:
        async with app.run_test(size=size, message_hook=watch.hook) as pilot:
            yield Run(app, pilot, watch, store)
    finally:
        store.close()
