"""The app's connection to an exchange: watchlist checked, one feed, subscriptions that follow the user."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from tuichart.binance.presets import Endpoints
from tuichart.binance.protocol import Ticker24h
from tuichart.binance.rest import RestClient, RetryPolicy
from tuichart.binance.stream import KlineStream, StreamPolicy
from tuichart.config_schema import NetworkSettings
from tuichart.domain import Interval, KlineEvent, SeriesKey
from tuichart.engine.feed import FeedEvent, FeedPolicy, MarketFeed
from tuichart.engine.persist import Persister
from tuichart.engine.record import ClosedTracker
from tuichart.errors import BadInput
from tuichart.store import Store


def stream_policy(n: NetworkSettings) -> StreamPolicy:
    """The stream's reconnect policy from the `[network]` settings."""
    return StreamPolicy(
        backoff_initial=n.reconnect_initial, backoff_cap=n.reconnect_cap, silence_timeout=n.silence_timeout
    )


class LiveSession:
    """Streams the watchlist at one interval, plus the series alert rules need; closed candles go to the store."""

    def __init__(
        self, endpoints: Endpoints, store: Store, persister: Persister, network: NetworkSettings | None = None
    ) -> None:
        self.endpoints = endpoints
        self.network = network or NetworkSettings()
        self.rest = RestClient(endpoints, policy=RetryPolicy(scale=self.network.retry_scale))
        self.store = store
        self.persister = persister
        self.trading: list[str] = []
        self.keys: list[SeriesKey] = []
        """The watchlist at the interval shown."""
        self.extra: list[SeriesKey] = []
        """Series streamed for alert rules only."""
        self._feed: MarketFeed | None = None
        self._tracker: ClosedTracker | None = None

    async def start(self, symbols: Sequence[str], interval: Interval) -> list[str]:
        """Learn the TRADING symbols and set up the stream; returns the symbols that are not trading."""
        info = await self.rest.exchange_info()
        self.trading = info.trading
        trading = set(self.trading)
        unknown = [s for s in symbols if s not in trading]
        self.keys = [SeriesKey(s, interval) for s in dict.fromkeys(symbols) if s in trading]
        self._tracker = ClosedTracker(self.store, await self.rest.server_time())
        stream = KlineStream(self.endpoints.ws_base, self._streamed(), tickers=True, policy=stream_policy(self.network))
        self._feed = MarketFeed(
            self.rest, stream, last_closed=self._tracker, policy=FeedPolicy(grace=self.network.close_grace)
        )
        return unknown

    @property
    def dropped(self) -> int:
        """Frames the stream could not read plus klines the feed refused (unsound, future, unsubscribed)."""
        if self._feed is None:
            return 0
        return self._feed.stream.parser.malformed + self._feed.rejected

    async def events(self) -> AsyncIterator[FeedEvent]:
        """Feed events until closed; every closed candle is handed to the persister first."""
        assert self._feed is not None and self._tracker is not None, "start() first"
        async for ev in self._feed.events():
            if isinstance(ev, KlineEvent) and ev.closed:
                self.persister.put(ev)
                self._tracker.note(ev.key, ev.candle.open_time)
            yield ev

    async def set_interval(self, interval: Interval) -> None:
        """Stream the watchlist at another interval."""
        old = self._streamed()
        self.keys = [SeriesKey(k.symbol, interval) for k in self.keys]
        await self._resubscribe(old)

    async def set_extra(self, keys: Sequence[SeriesKey]) -> list[str]:
        """Stream these series too (for alert rules); returns the symbols among them that are not trading."""
        trading = set(self.trading)
        old = self._streamed()
        self.extra = [k for k in dict.fromkeys(keys) if k.symbol in trading]
        await self._resubscribe(old)
        return sorted({k.symbol for k in keys if k.symbol not in trading})

    def _streamed(self) -> list[SeriesKey]:
        return list(dict.fromkeys([*self.keys, *self.extra]))

    async def _resubscribe(self, old: list[SeriesKey]) -> None:
        assert self._feed is not None, "start() first"
        new = self._streamed()
        await self._feed.unwatch([k for k in old if k not in new])
        await self._feed.watch([k for k in new if k not in old])

    async def add_symbol(self, symbol: str, interval: Interval) -> None:
        """Stream one more symbol (it must be TRADING)."""
        assert self._feed is not None
        if symbol not in self.trading:
            raise BadInput(f"{symbol} is not trading on {self.endpoints.name}")
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

    async def tickers(self, symbols: Sequence[str]) -> list[Ticker24h]:
        """24 h tickers, to fill the watchlist before the first stream push."""
        return await self.rest.ticker_24hr(list(symbols)) if symbols else []

    async def close(self) -> None:
        """Close the stream and the REST client."""
        if self._feed is not None:
            await self._feed.stream.close()
        await self.rest.aclose()
