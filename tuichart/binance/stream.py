"""One combined websocket for many kline streams: reconnect with backoff, watchdog, batched subscriptions."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from typing import Protocol

import msgspec
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI

from tuichart.binance.backoff import HEALTHY_AFTER, Backoff
from tuichart.binance.connect_budget import ConnectBudget
from tuichart.binance.protocol import ErrorReply, FrameParser, ServerShutdown
from tuichart.domain import FeedState, FeedStatus, KlineEvent, SeriesKey, TickerEvent
from tuichart.errors import BadInput

log = logging.getLogger(__name__)
MAX_STREAMS = 1024
StreamEvent = KlineEvent | TickerEvent | FeedStatus


class Streams(Protocol):
    """What the feed reads: a `KlineStream` (one connection) or a `StreamPool` (as many as the limits need)."""

    parser: FrameParser

    @property
    def keys(self) -> list[SeriesKey]: ...

    async def add(self, keys: Iterable[SeriesKey]) -> None: ...

    async def remove(self, keys: Iterable[SeriesKey]) -> None: ...

    async def close(self) -> None: ...

    def events(self) -> AsyncIterator[StreamEvent]: ...


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
    url_limit: int = 2000
    """Characters of stream names the connect URL carries; the rest are subscribed right after (a URL of about
    8 KB is refused by HTTP servers before any websocket opens)."""
    subscribe_batch: int = 200
    """Stream names per SUBSCRIBE message."""
    per_connection: int = MAX_STREAMS
    """Streams a `StreamPool` puts on one connection."""


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
        budget: ConnectBudget | None = None,
    ) -> None:
        self.ws_base = ws_base.rstrip("/")
        self.policy = policy or StreamPolicy()
        self.parser = parser or FrameParser()
        self.budget = budget or ConnectBudget()
        self.tickers = tickers
        self._keys: dict[SeriesKey, None] = {}
        self._symbols: Counter[str] = Counter()
        self._pending_add: list[str] = []
        self._pending_remove: list[str] = []
        self._wake = asyncio.Event()
        self._ws: ClientConnection | None = None
        self._closed = False
        self._next_id = 1
        self._waiting_since: float | None = None
        self.connects = 0
        self.take(keys)

    def take(self, keys: Iterable[SeriesKey]) -> list[str]:
        """Add series (the connect URL carries them when the stream is not running); returns the new stream names."""
        names = []
        for key in keys:
            if key not in self._keys:
                names.append(key.stream)
                if self.tickers and not self._symbols[key.symbol]:
                    names.append(f"{key.symbol.lower()}@miniTicker")
                self._keys[key] = None
                self._symbols[key.symbol] += 1
        if self.size > MAX_STREAMS:
            raise BadInput(f"at most {MAX_STREAMS} streams fit on one connection")
        return names

    @property
    def keys(self) -> list[SeriesKey]:
        """The series currently streamed."""
        return list(self._keys)

    def holds(self, symbol: str) -> bool:
        """Whether a series of `symbol` is streamed here."""
        return symbol in self._symbols

    @property
    def size(self) -> int:
        """How many streams the current set is."""
        return len(self._keys) + (len(self._symbols) if self.tickers else 0)

    def streams(self) -> list[str]:
        """Every stream name of the current set (lowercase symbols)."""
        names = [k.stream for k in self._keys]
        if self.tickers:
            names += [f"{s.lower()}@miniTicker" for s in self._symbols]
        return names

    def url(self) -> str:
        """The combined-stream URL with the first streams in it, as many as `url_limit` allows."""
        return self._url(self._in_url())

    def _url(self, names: list[str]) -> str:
        return f"{self.ws_base}/stream?streams={'/'.join(names)}"

    def _in_url(self) -> list[str]:
        """The first of `streams()`, as many as the connect URL carries."""
        names: list[str] = []
        length = 0
        for name in self.streams():
            length += len(name) + 1
            if length > self.policy.url_limit and names:
                break
            names.append(name)
        return names

    async def _subscribe_beyond(self, ws: ClientConnection, in_url: list[str]) -> None:
        """SUBSCRIBE the streams the connect URL did not carry (those added while it connected too), in batches;
        UNSUBSCRIBE what it carried but was removed meanwhile."""
        carried, wanted = set(in_url), self.streams()
        gone = [name for name in in_url if name not in set(wanted)]
        if gone:
            await self._send(ws, "UNSUBSCRIBE", gone)
        rest = [name for name in wanted if name not in carried]
        size = self.policy.subscribe_batch
        for start in range(0, len(rest), size):
            await self._send(ws, "SUBSCRIBE", rest[start : start + size])

    async def add(self, keys: Iterable[SeriesKey]) -> None:
        """Stream more series; the change goes out in one batched SUBSCRIBE."""
        self._pending_add += self.take(keys)
        self._wake.set()

    async def remove(self, keys: Iterable[SeriesKey]) -> None:
        """Stop streaming series; the change goes out in one batched UNSUBSCRIBE."""
        for key in keys:
            if key in self._keys:
                del self._keys[key]
                self._pending_remove.append(key.stream)
                self._symbols[key.symbol] -= 1
                if not self._symbols[key.symbol]:
                    del self._symbols[key.symbol]
                    if self.tickers:
                        self._pending_remove.append(f"{key.symbol.lower()}@miniTicker")
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
                await self._send(ws, method, batch)

    async def _send(self, ws: ClientConnection, method: str, names: list[str]) -> None:
        """One control message, then the pause that keeps them under Binance's 5 a second."""
        await ws.send(msgspec.json.encode({"method": method, "params": names, "id": self._next_id}).decode())
        self._next_id += 1
        await asyncio.sleep(self.policy.control_interval)

    async def events(self) -> AsyncIterator[StreamEvent]:
        """Events as they arrive, FeedStatus on every connect and loss; reconnects until `close()`."""
        policy = self.policy
        backoff = Backoff(policy.backoff_initial, 2.0, policy.backoff_cap, healthy_after=policy.healthy_after)
        while not self._closed:
            reason, urgent = "", False
            await self.budget.take()
            in_url = self._in_url()
            try:
                async with connect(
                    self._url(in_url),
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
                    await self._subscribe_beyond(ws, in_url)
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
        why: list[str] = []
        watchdog = asyncio.ensure_future(self._watch(ws, opened, why))
        try:
            while True:
                # silence counts only while waiting here: a reader held up downstream is not a silent exchange
                self._waiting_since = time.monotonic()
                try:
                    frame = await ws.recv()
                except ConnectionClosed:
                    if why:  # the watchdog closed it
                        yield why[0]
                        return
                    raise
                finally:
                    self._waiting_since = None
                backoff.heard()
                for ev in self.parser.parse(frame):
                    if isinstance(ev, ServerShutdown):
                        yield "server shutdown announced"
                        return
                    if isinstance(ev, ErrorReply):
                        log.warning("stream error reply %s: %s", ev.code, ev.msg)
                    elif isinstance(ev, KlineEvent | TickerEvent):
                        yield ev
        finally:
            watchdog.cancel()

    async def _watch(self, ws: ClientConnection, opened: float, why: list[str]) -> None:
        """Close the connection once a wait for a message passes `silence_timeout` or the connection nears Binance's
        24 h limit, saying which in `why`; it wakes only when one of those may have come (not once a message)."""
        policy = self.policy
        while True:
            now, waiting = time.monotonic(), self._waiting_since
            if now - opened >= policy.max_age:
                why.append("connection near its 24 h limit; reconnecting early")
            elif waiting is not None and now - waiting >= policy.silence_timeout:
                why.append(f"no message for {policy.silence_timeout:g} s")
            if why:
                with contextlib.suppress(Exception):
                    await ws.close()
                return
            silent_at = (waiting if waiting is not None else now) + policy.silence_timeout
            await asyncio.sleep(max(0.0, min(silent_at, opened + policy.max_age) - now))
