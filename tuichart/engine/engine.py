"""The market engine: one live pipeline (stream, feed, backfill, persistence, indicators, alerts) for many series."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from tuichart.alerts.dispatch import Dispatcher
from tuichart.alerts.rules import AlertRule
from tuichart.binance.protocol import ExchangeInfo, Ticker24h
from tuichart.binance.rest import RestClient
from tuichart.binance.stream_pool import StreamPool
from tuichart.config_schema import NetworkSettings
from tuichart.domain import FeedState, FeedStatus, Gap, Interval, KlineEvent, SeriesKey
from tuichart.engine.durable import DurableProgress, Resume, resume_point
from tuichart.engine.feed import FeedEvent, MarketFeed
from tuichart.engine.policies import feed_policy, start_backoff, stream_policy
from tuichart.engine.series_book import SeriesBook
from tuichart.engine.tracker import ClosedTracker
from tuichart.errors import BadInput, TuichartError
from tuichart.jobs.progress import Progress, no_progress
from tuichart.store import Store

log = logging.getLogger(__name__)

_MANY = 64
"""Series started at once past which their stored spans are read in one pass over the store, not one by one (a
handful, like the app's, would pay for reading every series' span)."""

Subscriber = Callable[[FeedEvent], None]


@dataclass(slots=True)
class EngineOptions:
    """What an engine streams beside klines and how it keeps track of each series' progress."""

    network: NetworkSettings = field(default_factory=NetworkSettings)
    tickers: bool = False
    """Stream 24 h tickers of the watchlist too (the app's quotes)."""
    max_backfill: int | None = None
    """Go by durable progress (`record`): resume from the store, backfilling at most this many candles per series.
    None: start from the newest stored candle (the app and the popout)."""
    backfill_progress: Progress = no_progress


class MarketEngine:
    """Streams a watchlist at one interval (plus series alert rules need); every closed candle is persisted with
    its indicator row, every push evaluated by the alert rules, and every event handed to each subscriber.

    Built by `build_engine`; the one owner of the subscriptions, the feed and the persistence of a process.
    """

    def __init__(
        self,
        rest: RestClient,
        store: Store,
        series: SeriesBook,
        options: EngineOptions,
        *,
        dispatcher: Dispatcher | None = None,
        rules: Sequence[AlertRule] = (),
    ) -> None:
        self.rest = rest
        self.store = store
        self.series = series
        """Each series' one state: its candles and indicator state, for stored rows, alert rules and charts."""
        self.options = options
        self.dispatcher = dispatcher
        self.trading: list[str] = []
        self.keys: list[SeriesKey] = []
        """The watchlist at the interval shown (`record`: every symbol at every interval it records)."""
        self.intervals: list[Interval] = []
        """The intervals streamed for each symbol of the watchlist."""
        self.extra: list[SeriesKey] = []
        """Series streamed for alert rules only."""
        self.durable = DurableProgress() if options.max_backfill is not None else None
        self.resumes: dict[SeriesKey, Resume] = {}
        """Where each series resumed (durable progress only)."""
        self.started_at = 0
        """The exchange's clock when the engine started (ms)."""
        self.started = False
        """True once the engine knows the exchange's symbols and streams."""
        self.stream: StreamPool | None = None
        self.feed: MarketFeed | None = None
        self._tracker: ClosedTracker | None = None
        self._subscribers: list[Subscriber] = []
        self._rules = list(rules)

    def subscribe(self, subscriber: Subscriber) -> None:
        """Hand every event to `subscriber` (on the engine's loop, after the engine acted on it)."""
        self._subscribers.append(subscriber)

    # ---- starting and running ---------------------------------------------------------------------------

    async def start(self, symbols: Sequence[str], interval: Interval, also: Sequence[Interval] = ()) -> list[str]:
        """Learn the TRADING symbols and set up the stream of each symbol at `interval` and every interval `also`
        names; returns the symbols that are not trading."""
        info = await self.rest.exchange_info()
        self.trading = info.trading
        trading = set(self.trading)
        unknown = [s for s in symbols if s not in trading]
        self.intervals = list(dict.fromkeys([interval, *also]))
        self.keys = [SeriesKey(s, iv) for s in dict.fromkeys(symbols) if s in trading for iv in self.intervals]
        self.set_rules(self._rules, list(dict.fromkeys(k.symbol for k in self.keys)))
        self.started_at = await self.rest.server_time()
        progress: Callable[[SeriesKey], int | None]
        stored = None
        if self.durable is not None:
            assert self.options.max_backfill is not None
            self.resumes = await asyncio.to_thread(self._resume_points, self.keys, self.options.max_backfill)
            progress, stored = self.durable, self.durable.has
        else:
            progress = self._tracker = ClosedTracker(self.store, self.started_at)
        net = self.options.network
        stream = StreamPool(
            self.rest.endpoints.ws_base, self._streamed(), tickers=self.options.tickers, policy=stream_policy(net)
        )
        self.stream = stream
        self.feed = MarketFeed(
            self.rest,
            stream,
            last_closed=progress,
            stored=stored,
            policy=feed_policy(net),
            progress=self.options.backfill_progress,
        )
        self.started = True
        return unknown

    def _resume_points(self, keys: Sequence[SeriesKey], max_backfill: int) -> dict[SeriesKey, Resume]:
        assert self.durable is not None
        if len(keys) >= _MANY:
            self.store.read_spans(keys)
        resumes = {}
        for key in keys:
            resume = resumes[key] = resume_point(self.store, key, self.started_at, max_backfill)
            self.durable.begin(key, resume.progress, resume.committed)
        return resumes

    async def relist(
        self, wanted: Callable[[ExchangeInfo], Sequence[str]]
    ) -> tuple[list[str], list[str], ExchangeInfo]:
        """Read exchangeInfo again and stream what `wanted` names now: a new symbol at every interval streamed,
        and a symbol no longer named stops after a last backfill up to the exchange's clock (its final candles).
        Returns (symbols added, symbols removed, the listing read)."""
        assert self.feed is not None, "start() first"
        info = await self.rest.exchange_info(fresh=True)
        self.trading = info.trading
        named = list(dict.fromkeys(wanted(info)))
        current = list(dict.fromkeys(k.symbol for k in self.keys))
        added = [s for s in named if s not in set(current)]
        removed = [s for s in current if s not in set(named)]
        if removed:
            gone = [k for k in self.keys if k.symbol in set(removed)]
            self.keys = [k for k in self.keys if k.symbol not in set(removed)]
            await self.feed.unwatch(gone)
            await self._consume(self.feed.catch_up(gone))
        if added:
            new = [SeriesKey(s, iv) for s in added for iv in self.intervals]
            if self.durable is not None and self.options.max_backfill is not None:
                self.resumes |= await asyncio.to_thread(self._resume_points, new, self.options.max_backfill)
            self.keys += new
            await self.feed.watch(new)
        return added, removed, info

    async def run(self, *, duration: float | None = None, stop: asyncio.Event | None = None) -> None:
        """Act on the feed's events until `duration` seconds pass, `stop` is set, or the feed ends."""
        assert self.feed is not None, "start() first"
        task = asyncio.ensure_future(self._consume(self.feed.events()))
        stopped = asyncio.ensure_future(stop.wait() if stop is not None else asyncio.Event().wait())
        try:  # asyncio.wait cancels nothing itself (see stream.py on wait_for)
            await asyncio.wait([task, stopped], timeout=duration, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                task.result()
        finally:
            for t in (task, stopped):
                t.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await t

    async def run_forever(
        self,
        wanted: Callable[[], tuple[Sequence[str], Interval]],
        on_started: Callable[[list[str]], Awaitable[None]],
    ) -> None:
        """Start on the symbols and interval `wanted` gives, retrying with backoff while the exchange cannot be
        reached (an OFFLINE status tells when the next try is), then run until cancelled; `on_started` hears the
        symbols that are not trading at each start."""
        backoff = start_backoff(self.options.network)
        while True:
            try:
                unknown = await self.start(*wanted())
            except TuichartError as exc:
                delay = backoff.next_delay()
                self._publish(FeedStatus(FeedState.OFFLINE, str(exc), retry_in=delay))
                await asyncio.sleep(delay)
                continue
            backoff.reset()
            await on_started(unknown)
            await self.run()
            await self._close_stream()

    async def _consume(self, events: AsyncIterator[FeedEvent]) -> None:
        async for ev in events:
            await self._handle(ev)
            self._publish(ev)

    async def _handle(self, ev: FeedEvent) -> None:
        """Persist closed candles, evaluate alert rules, remember the exchange's own gaps."""
        if isinstance(ev, KlineEvent):
            self.series.apply(ev)  # every push the rules see: a screen may skip some
            if ev.closed and self._tracker is not None:
                self._tracker.note(ev.key, ev.candle.open_time)
        elif isinstance(ev, Gap):
            try:
                await asyncio.to_thread(self.store.record_exchange_gap, ev, ev.last_open)
            except Exception:  # not confirmed then: it stays missing, and the next start asks the exchange again
                log.exception("recording the exchange's gap in %s failed", ev.key)
            else:
                if self.durable is not None:
                    self.durable.absent(ev)

    def _publish(self, ev: FeedEvent) -> None:
        for subscriber in self._subscribers:
            subscriber(ev)

    async def finish(self) -> None:
        """Close the stream, then fetch and persist what closed since (a last backfill up to the exchange's clock)."""
        await self._close_stream()
        if self.feed is not None:
            with contextlib.suppress(Exception):  # what it could not fetch is reported as missing
                await self._consume(self.feed.catch_up())

    async def close(self) -> None:
        """Stop streaming; everything evaluated and queued reaches the store, deliveries get a moment to finish."""
        await self._close_stream()
        await self.rest.aclose()
        await self.series.close()  # what waits for a warm-up is evaluated, and everything queued written
        if self.dispatcher is not None:
            await self.dispatcher.aclose()

    async def _close_stream(self) -> None:
        if self.stream is not None:
            await self.stream.close()

    # ---- what is streamed ------------------------------------------------------------------------------

    @property
    def dropped(self) -> int:
        """Frames the stream could not read plus klines the feed refused (unsound, future, unsubscribed)."""
        if self.feed is None or self.stream is None:
            return 0
        return self.stream.parser.malformed + self.feed.rejected

    @property
    def fired(self) -> int:
        """Alerts fired so far."""
        return self.series.alerts.fired if self.series.alerts is not None else 0

    async def set_interval(self, interval: Interval) -> None:
        """Stream the watchlist at another interval."""
        old = self._streamed()
        self.keys = [SeriesKey(k.symbol, interval) for k in self.keys]
        self.intervals = [interval]
        await self._resubscribe(old)

    async def set_extra(self, keys: Sequence[SeriesKey]) -> list[str]:
        """Stream these series too (for alert rules); returns the symbols among them that are not trading."""
        trading = set(self.trading)
        old = self._streamed()
        self.extra = [k for k in dict.fromkeys(keys) if k.symbol in trading]
        await self._resubscribe(old)
        return sorted({k.symbol for k in keys if k.symbol not in trading})

    async def add_symbol(self, symbol: str, interval: Interval) -> None:
        """Stream one more symbol (it must be TRADING)."""
        if symbol not in self.trading:
            raise BadInput(f"{symbol} is not trading on {self.rest.endpoints.name}")
        key = SeriesKey(symbol, interval)
        if key not in self.keys:
            old = self._streamed()
            self.keys.append(key)
            await self._resubscribe(old)

    async def remove_symbol(self, symbol: str) -> None:
        """Stop streaming a symbol."""
        old = self._streamed()
        self.keys = [k for k in self.keys if k.symbol != symbol]
        await self._resubscribe(old)

    def set_rules(self, rules: Sequence[AlertRule], symbols: Sequence[str]) -> None:
        """Evaluate these rules from the next push on, `*` standing for `symbols`."""
        self._rules = list(rules)
        self.series.set_rules(self._rules, symbols)

    def _streamed(self) -> list[SeriesKey]:
        return list(dict.fromkeys([*self.keys, *self.extra]))

    async def _resubscribe(self, old: list[SeriesKey]) -> None:
        if self.feed is None:  # not started: the next start streams what is asked for now
            return
        new = self._streamed()  # added first: a connection whose series all change keeps running
        await self.feed.watch([k for k in new if k not in old])
        await self.feed.unwatch([k for k in old if k not in new])

    async def tickers(self, symbols: Sequence[str]) -> list[Ticker24h]:
        """24 h tickers, to fill the watchlist before the first stream push."""
        return await self.rest.ticker_24hr(list(symbols)) if symbols else []
