"""A recorder's websocket streams: its engine's kline and mini-ticker pushes forwarded to attached clients."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection

from tuichart.binance.encoding import kline_payload, mini_ticker_payload
from tuichart.domain import Interval, KlineEvent, SeriesKey, TickerEvent
from tuichart.engine.feed import FeedEvent
from tuichart.exchange.stream_control import StreamServer

log = logging.getLogger(__name__)
_QUEUE = 8192
"""Pushes waiting to be sent, all clients together: past it the oldest are the ones a slow client misses."""


class _Trading:
    """Stream names the recorder serves: every symbol its exchange trades, at any interval."""

    def __init__(self, trading: Callable[[], Collection[str]]) -> None:
        self._trading = trading

    def lists(self, symbol: str) -> bool:
        return symbol in self._trading()

    def supports(self, interval: Interval) -> bool:
        return True


class RelayHub(StreamServer):
    """Pushes each engine event to the connections subscribed to its stream; `on_watch` hears every kline series
    some connection wants (for the engine to stream those it does not record)."""

    def __init__(
        self,
        trading: Callable[[], Collection[str]],
        on_watch: Callable[[set[SeriesKey]], None],
        ping_interval: float = 20.0,
    ) -> None:
        super().__init__(_Trading(trading), ping_interval)
        self._on_watch = on_watch
        self._queue: asyncio.Queue[tuple[str, dict[str, object], str]] = asyncio.Queue(_QUEUE)
        self._sender: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start sending (on the running loop)."""
        self._sender = asyncio.get_running_loop().create_task(self._send_forever())

    async def stop(self) -> None:
        """Close every connection and stop sending."""
        if self._sender is not None:
            self._sender.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sender
        for conn in list(self.connections):
            with contextlib.suppress(Exception):
                await conn.ws.close(code=1001, message=b"Recorder stopping")

    def changed(self) -> None:
        """Tell the engine which series the connections want."""
        self._on_watch({st.key for conn in self.connections for st in conn.klines.values()})

    def __call__(self, ev: FeedEvent) -> None:
        """Queue an engine event for the connections that want it (called on the engine's loop)."""
        if not self.connections:
            return
        if isinstance(ev, KlineEvent):
            name = f"{ev.key.symbol.lower()}@kline_{ev.key.interval.value}"
            if any(name in conn.klines for conn in self.connections):
                self._put(name, kline_payload(ev.key, ev.candle, ev.closed, ev.event_time), "")
        elif isinstance(ev, TickerEvent) and any(ev.symbol in conn.tickers for conn in self.connections):
            self._put(f"{ev.symbol.lower()}@miniTicker", mini_ticker_payload(ev), ev.symbol)

    def _put(self, name: str, payload: dict[str, object], ticker: str) -> None:
        if self._queue.full():
            self._queue.get_nowait()
        self._queue.put_nowait((name, payload, ticker))

    async def _send_forever(self) -> None:
        while True:
            name, payload, ticker = await self._queue.get()
            for conn in list(self.connections):
                wanted = ticker in conn.tickers if ticker else name in conn.klines
                if not wanted or conn.ws.closed:
                    continue
                try:
                    await conn.send(name, payload)
                except (ConnectionError, RuntimeError) as exc:
                    log.debug("push to an attached client failed: %s", exc)
