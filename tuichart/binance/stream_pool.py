"""Any number of kline streams over as many connections as Binance's limits need, read as one stream of events."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable

from tuichart.binance.connect_budget import ConnectBudget
from tuichart.binance.protocol import FrameParser
from tuichart.binance.stream import KlineStream, StreamEvent, StreamPolicy
from tuichart.domain import FeedState, FeedStatus, SeriesKey

_QUEUE = 4096
"""Events waiting for the reader, all connections together: past it a connection stops reading its socket."""


class StreamPool:
    """Kline (and mini-ticker) events for any number of series: each symbol lives on one connection, a connection
    holds at most `policy.per_connection` streams, and every connection attempt draws on one `ConnectBudget`.

    A `FeedStatus` carries the whole pool's state (LIVE once every connection is) and, when a connection came up,
    the series it holds in `connected`, which are the ones to fill in from REST.
    """

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
        self.tickers = tickers
        self.policy = policy or StreamPolicy()
        self.parser = parser or FrameParser()
        self.budget = budget or ConnectBudget()
        self.connections: list[KlineStream] = []
        self._home: dict[str, KlineStream] = {}
        self._states: dict[KlineStream, FeedState] = {}
        self._tasks: dict[KlineStream, asyncio.Task[None]] = {}
        self._queue: asyncio.Queue[tuple[KlineStream, StreamEvent | Exception]] | None = None
        self._closed = False
        for conn, placed in self._place(keys).items():
            conn.take(placed)

    @property
    def keys(self) -> list[SeriesKey]:
        """The series currently streamed."""
        return [key for conn in self.connections for key in conn.keys]

    @property
    def connects(self) -> int:
        """Connections opened so far, reconnects included."""
        return sum(conn.connects for conn in self.connections)

    def streams(self) -> list[str]:
        """Every stream name, over all connections."""
        return [name for conn in self.connections for name in conn.streams()]

    def _place(self, keys: Iterable[SeriesKey]) -> dict[KlineStream, list[SeriesKey]]:
        """New series by the connection they go on: their symbol's, or the first with room, or a new one."""
        known = set(self.keys)
        by_symbol: dict[str, list[SeriesKey]] = {}
        for key in keys:
            if key not in known and key not in by_symbol.get(key.symbol, []):
                by_symbol.setdefault(key.symbol, []).append(key)
        placed: dict[KlineStream, list[SeriesKey]] = {}
        planned: dict[KlineStream, int] = {}  # streams about to go on each connection
        for symbol, new in by_symbol.items():
            home = self._home.get(symbol)
            if home is not None and self._room(home, planned) >= len(new):
                conn = home
            else:  # on a full home connection's neighbour the symbol's mini-ticker comes twice, which is harmless
                need = len(new) + self.tickers
                conn = next((c for c in self.connections if self._room(c, planned) >= need), None) or self._new()
                self._home.setdefault(symbol, conn)
            placed.setdefault(conn, []).extend(new)
            planned[conn] = planned.get(conn, 0) + len(new) + self.tickers
        return placed

    def _room(self, conn: KlineStream, planned: dict[KlineStream, int]) -> int:
        return self.policy.per_connection - conn.size - planned.get(conn, 0)

    def _new(self) -> KlineStream:
        """A new connection, started at once when the pool is running."""
        conn = KlineStream(
            self.ws_base, [], tickers=self.tickers, policy=self.policy, parser=self.parser, budget=self.budget
        )
        self.connections.append(conn)
        self._states[conn] = FeedState.CONNECTING
        if self._queue is not None:
            self._start(conn)
        return conn

    async def add(self, keys: Iterable[SeriesKey]) -> None:
        """Stream more series: on a running connection in one batched SUBSCRIBE, or on a new connection."""
        for conn, placed in self._place(keys).items():
            await conn.add(placed)

    async def remove(self, keys: Iterable[SeriesKey]) -> None:
        """Stop streaming series; a connection left with none is closed."""
        gone = set(keys)
        for conn in list(self.connections):
            mine = [key for key in conn.keys if key in gone]
            if not mine:
                continue
            await conn.remove(mine)
            if not conn.keys:
                await self._drop(conn)
        for key in gone:
            home = self._home.get(key.symbol)
            if home is not None and not home.holds(key.symbol):
                del self._home[key.symbol]

    async def _drop(self, conn: KlineStream) -> None:
        self.connections.remove(conn)
        self._states.pop(conn, None)
        await conn.close()
        task = self._tasks.pop(conn, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def close(self) -> None:
        """Stop for good; `events()` ends."""
        self._closed = True
        for conn in self.connections:
            await conn.close()

    def _start(self, conn: KlineStream) -> None:
        queue = self._queue
        assert queue is not None

        async def pump() -> None:
            try:
                async for ev in conn.events():
                    if queue.full():
                        await queue.put((conn, ev))
                    else:  # most pushes: no coroutine to run
                        queue.put_nowait((conn, ev))
            except Exception as exc:  # a bad address, say: the reader hears of it as from one connection
                await queue.put((conn, exc))

        self._tasks[conn] = asyncio.ensure_future(pump())

    async def events(self) -> AsyncIterator[StreamEvent]:
        """Every connection's events as they arrive, with the pool's own `FeedStatus`es; reconnects until
        `close()`."""
        queue: asyncio.Queue[tuple[KlineStream, StreamEvent | Exception]] = asyncio.Queue(_QUEUE)
        self._queue = queue
        for conn in self.connections:
            self._start(conn)
        try:
            while not (self._closed and queue.empty() and all(task.done() for task in self._tasks.values())):
                if not queue.empty():  # most pushes arrive in bursts: no coroutine, no timeout to run
                    conn, ev = queue.get_nowait()
                elif not self._closed:
                    conn, ev = await queue.get()
                else:
                    try:
                        async with asyncio.timeout(0.05):
                            conn, ev = await queue.get()
                    except TimeoutError:
                        continue
                if isinstance(ev, Exception):
                    raise ev
                if isinstance(ev, FeedStatus):
                    status = self._status(conn, ev)
                    if status is not None:
                        yield status
                else:
                    yield ev
        finally:
            for task in self._tasks.values():
                task.cancel()
            for task in self._tasks.values():
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            self._tasks.clear()
            self._queue = None
        yield FeedStatus(FeedState.STOPPED, "closed")

    def _status(self, conn: KlineStream, ev: FeedStatus) -> FeedStatus | None:
        """A connection's status as the pool's: the whole state, this connection's series when it came up."""
        if ev.state is FeedState.STOPPED or conn not in self._states:
            return None
        self._states[conn] = ev.state
        states = set(self._states.values())
        whole = ev.state if len(states) == 1 else FeedState.RECONNECTING
        if whole is FeedState.RECONNECTING and FeedState.RECONNECTING not in states:
            whole = FeedState.CONNECTING  # some still opening for the first time, none lost
        detail = ev.detail
        if len(self.connections) > 1:
            number = self.connections.index(conn) + 1
            live = sum(state is FeedState.LIVE for state in self._states.values())
            what = " live" if ev.state is FeedState.LIVE else f": {ev.detail}"
            detail = f"connection {number} of {len(self.connections)}{what}; {live} live"
        connected = frozenset(conn.keys) if ev.state is FeedState.LIVE else None
        return FeedStatus(whole, detail, ev.retry_in, connected)
