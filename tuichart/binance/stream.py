"""One combined websocket for many kline streams: reconnect with backoff, watchdog, batched subscriptions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from tuichart.binance.backoff import HEALTHY_AFTER, Backoff
from tuichart.binance.protocol import ErrorReply, FrameParser, ServerShutdown
from tuichart.domain import FeedState, FeedStatus, KlineEvent, SeriesKey, TickerEvent
from tuichart.errors import BadInput

log = logging.getLogger(__name__)
MAX_STREAMS = 1024
StreamEvent = KlineEvent | TickerEvent | FeedStatus


@dataclass(slots=True)
class StreamPolicy:
    """Every timing of the stream; tests shrink them to milliseconds."""

    backoff_initial: float = 1.0
    backoff_cap: float = 60.0
    healthy_after: float = HEALTHY_AFTER
    silence_timeout: float = 60.0
    max_age: float = 23.5 * 3600
    control_interval: float = 0.25  # at most 4 control messages a second; Binance cuts at 5
    open_timeout: float = 10.0


class KlineStream:
    """Kline (and mini-ticker) events for a set of series over one connection, reconnecting until closed."""

    def __init__(
        self,
        ws_base: str,
        keys: Iterable[SeriesKey],
        *,
        tickers: bool = True,
        policy: StreamPolicy | None = None,
        parser: FrameParser | None = None,
    ) -> None:
        self.ws_base = ws_base.rstrip("/")
        self.policy = policy or StreamPolicy()
        self.parser = parser or FrameParser()
        self.tickers = tickers
        self._keys: list[SeriesKey] = []
        self._pending_add: list[str] = []
        self._pending_remove: list[str] = []
        self._wake = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._closed = False
        self._next_id = 1
        self.connects = 0
        for key in keys:
            if key not in self._keys:
                self._keys.append(key)
        self._check_size()

    @property
    def keys(self) -> list[SeriesKey]:
        """The series currently streamed."""
        return list(self._keys)

    def _names(self, key: SeriesKey) -> list[str]:
        names = [key.stream]
        if self.tickers and all(k.symbol != key.symbol for k in self._keys if k != key):
            names.append(f"{key.symbol.lower()}@miniTicker")
        return names

    def streams(self) -> list[str]:
        """Every stream name of the current set (lowercase symbols)."""
        names = [k.stream for k in self._keys]
        if self.tickers:
            names += [f"{s.lower()}@miniTicker" for s in dict.fromkeys(k.symbol for k in self._keys)]
        return names

    def _check_size(self) -> None:
        if len(self.streams()) > MAX_STREAMS:
            raise BadInput(f"at most {MAX_STREAMS} streams fit on one connection")

    def url(self) -> str:
        """The combined-stream URL with every stream in it."""
        return f"{self.ws_base}/stream?streams={'/'.join(self.streams())}"

    async def add(self, keys: Iterable[SeriesKey]) -> None:
        """Stream more series; the change goes out in one batched SUBSCRIBE."""
        for key in keys:
            if key not in self._keys:
                self._pending_add += self._names(key)
                self._keys.append(key)
        self._check_size()
        self._wake.set()

    async def remove(self, keys: Iterable[SeriesKey]) -> None:
        """Stop streaming series; the change goes out in one batched UNSUBSCRIBE."""
        for key in keys:
            if key in self._keys:
                names = self._names(key)
                self._keys.remove(key)
                self._pending_remove += names
        self._wake.set()

    async def close(self) -> None:
        """Stop for good; `events()` ends."""
        self._closed = True
        self._wake.set()
        if self._ws is not None:
            with contextlib.suppress(Exception):
                await self._ws.close()

    async def _control(self, ws: ClientConnection) -> None:
        """Send pending subscription changes, batched, no faster than the policy allows."""
        while True:
            await self._wake.wait()
            self._wake.clear()
            for method, names in (("UNSUBSCRIBE", self._pending_remove), ("SUBSCRIBE", self._pending_add)):
                if not names:
                    continue
                batch = list(dict.fromkeys(names))
                names.clear()
                await ws.send(msgspec.json.encode({"method": method, "params": batch, "id": self._next_id}).decode())
                self._next_id += 1
                await asyncio.sleep(self.policy.control_interval)

    async def events(self) -> AsyncIterator[StreamEvent]:
        """Events as they arrive, FeedStatus on every connect and loss; reconnects until `close()`."""
        policy = self.policy
        backoff = Backoff(policy.backoff_initial, 2.0, policy.backoff_cap, healthy_after=policy.healthy_after)
        while not self._closed:
            reason, urgent = "", False
            try:
                async with connect(
                    self.url(),
                    ping_interval=None,
                    open_timeout=self.policy.open_timeout,
                    close_timeout=1,
                    max_size=2**23,
                ) as ws:
                    self._ws = ws
                    self.connects += 1
                    backoff.connected()
                    self._pending_add.clear()
                    self._pending_remove.clear()
                    control = asyncio.create_task(self._control(ws))
                    try:
                        yield FeedStatus(FeedState.LIVE, self.ws_base)
                        async for ev in self._receive(ws, backoff):
                            if isinstance(ev, str):
                                reason, urgent = ev, True
                                break
                            yield ev
                    except (asyncio.CancelledError, GeneratorExit):
                        # stopped from outside: say goodbye with 1000 (leaving the block mid-error sends 1011)
                        with contextlib.suppress(Exception):
                            await ws.close()
                        raise
                    finally:
                        control.cancel()
                        self._ws = None
            except ConnectionClosed as exc:
                code = exc.rcvd.code if exc.rcvd is not None else 1006
                reason = f"connection closed ({code}{' ' + exc.rcvd.reason if exc.rcvd and exc.rcvd.reason else ''})"
            except InvalidURI as exc:
                raise BadInput(f"bad websocket address {self.ws_base!r}: {exc}") from None
            except (OSError, InvalidHandshake, TimeoutError) as exc:
                reason = f"cannot connect: {exc.__class__.__name__}: {exc}".rstrip(": ")
            if self._closed:
                break
            delay = 0.0 if urgent else backoff.next_delay()
            log.info("stream lost (%s); reconnecting in %.2f s", reason, delay)
            yield FeedStatus(FeedState.RECONNECTING, reason or "connection ended", delay)
            await asyncio.sleep(delay)
        yield FeedStatus(FeedState.STOPPED, "closed")

    async def _receive(self, ws: ClientConnection, backoff: Backoff) -> AsyncIterator[StreamEvent | str]:
        """Events from one connection; a string means 'reconnect now, for this reason'."""
        opened = time.monotonic()
        while True:
            age = time.monotonic() - opened
            if age >= self.policy.max_age:
                yield "connection near its 24 h limit; reconnecting early"
                return
            try:
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that races a message
                async with asyncio.timeout(min(self.policy.silence_timeout, self.policy.max_age - age)):
                    frame = await ws.recv()
            except TimeoutError:
                if time.monotonic() - opened >= self.policy.max_age:
                    continue
                yield f"no message for {self.policy.silence_timeout:g} s"
                return
            backoff.heard()
            for ev in self.parser.parse(frame):
                if isinstance(ev, ServerShutdown):
                    yield "server shutdown announced"
                    return
                if isinstance(ev, ErrorReply):
                    log.warning("stream error reply %s: %s", ev.code, ev.msg)
                elif isinstance(ev, KlineEvent | TickerEvent):
                    yield ev
