"""What the screen shows: the watchlist and quotes, the series on screen, the charts held, the viewport, the status."""

from __future__ import annotations

import dataclasses
import math
from collections import OrderedDict
from collections.abc import Sequence

from tuichart.binance.protocol import Ticker24h
from tuichart.domain import FeedState, FeedStatus, Interval, KlineEvent, SeriesKey, TickerEvent
from tuichart.engine.chart_data import ChartData
from tuichart.engine.feed import FeedEvent
from tuichart.engine.history import History
from tuichart.engine.series_book import SeriesBook
from tuichart.indicators import MIN_WARMUP, Study
from tuichart.tui.model.quote import Quote
from tuichart.tui.model.status import StatusData
from tuichart.tui.render.viewport import Viewport

CACHED_CHARTS = 8
QUOTES_EVERY = 1.0  # seconds between watchlist repaints
QUIET_AFTER = 5.0  # seconds without a message before the status bar says so


class ScreenModel:
    """The app's state as plain data: one handler (the app's) changes it, the widgets are given what it says.

    The charts are views of the engine's series states (`series`, the engine's book): the model holds no candles
    of its own. Without a book it keeps one and feeds it the events itself (a model no engine runs beside).
    Times (`now`) are the app loop's clock in seconds.
    """

    def __init__(
        self,
        symbols: Sequence[str],
        interval: Interval,
        studies: Sequence[Study],
        status: StatusData,
        series: SeriesBook | None = None,
    ):
        self.watchlist = list(symbols)
        self.interval = interval
        self.selected = self.watchlist[0] if self.watchlist else ""
        self.studies = tuple(studies)
        self.viewport = Viewport()
        self.series = series if series is not None else SeriesBook(None, studies=studies)
        """Each series' one state (the engine's)."""
        self._feeds = series is None
        self.charts: OrderedDict[SeriesKey, ChartData] = OrderedDict()
        """The charts held (views of the series' states), the one on screen last (at most CACHED_CHARTS)."""
        self.pending: dict[SeriesKey, list[KlineEvent]] = {}
        """Pushes of the series on screen that came before its history (its state may not draw them yet)."""
        self.quotes: dict[str, Quote] = {s: Quote() for s in self.watchlist}
        self.stored: dict[SeriesKey, int] = {}
        self.status = status
        self.reconnects = 0
        self.connected = False
        self.trading: list[str] = []
        self.loading_older = False
        self._last_message = 0.0
        self._retry_at: float | None = None
        self._quotes_dirty: set[str] = set()
        self._quotes_shown_at = 0.0

    @property
    def current_key(self) -> SeriesKey:
        """The series on screen."""
        return SeriesKey(self.selected, self.interval)

    @property
    def chart(self) -> ChartData | None:
        """The chart on screen, once its history is loaded."""
        return self.charts.get(self.current_key)

    # ---- the feed --------------------------------------------------------------------------------------

    def on_event(self, ev: FeedEvent, now: float) -> ChartData | None:
        """Fold one engine event in; returns the chart it changed, if one is held."""
        self._last_message = now
        if isinstance(ev, KlineEvent):
            if self._feeds:
                self.series.apply(ev)
            chart = self.charts.get(ev.key)
            if chart is None and ev.key == self.current_key:
                self.pending.setdefault(ev.key, []).append(ev)
            if ev.closed and ev.key in self.stored:
                self.stored[ev.key] += 1
            self._quote(ev.key.symbol, last=ev.candle.close)
            return chart
        if isinstance(ev, TickerEvent):
            self._quote(ev.symbol, last=ev.last, change_pct=ev.change_pct)
        elif isinstance(ev, FeedStatus):
            if ev.state is FeedState.RECONNECTING and self.status.state == "live":
                self.reconnects += 1
            detail = "" if ev.state is FeedState.LIVE else ev.detail
            self.status = dataclasses.replace(self.status, state=ev.state.value, detail=detail, retry_in=ev.retry_in)
            self._retry_at = None if ev.retry_in is None else now + ev.retry_in
        return None

    def started(self, trading: Sequence[str]) -> None:
        """The engine is streaming; these are the exchange's trading symbols."""
        self.connected = True
        self.trading = list(trading)

    def on_tickers(self, tickers: Sequence[Ticker24h]) -> None:
        """24 h tickers from REST, until the stream's arrive."""
        for t in tickers:
            # from the prices, as the miniTicker's is: REST's priceChangePercent is rounded to 3 decimals
            change = (t.last - t.open) / t.open * 100.0 if t.open else t.change_pct
            self._quote(t.symbol, last=t.last, change_pct=change)

    def on_stored_closes(self, last: dict[str, float]) -> None:
        """The stored closes, shown until a live quote arrives."""
        for sym, close in last.items():
            quote = self.quotes.get(sym)
            if quote is not None and math.isnan(quote.last):
                self._quote(sym, last=close)

    def _quote(self, symbol: str, **values: float) -> None:
        quote = self.quotes.get(symbol)
        if quote is not None:
            for name, value in values.items():
                setattr(quote, name, value)
            self._quotes_dirty.add(symbol)

    def quotes_due(self, now: float) -> dict[str, Quote]:
        """The quotes to repaint now (at most once every QUOTES_EVERY seconds, as Binance's tickers change), with
        the RSI of the charts held."""
        if not self._quotes_dirty or now - self._quotes_shown_at < QUOTES_EVERY:
            return {}
        self._quotes_shown_at = now
        due = {}
        for sym in self._quotes_dirty & self.quotes.keys():  # a symbol removed since is skipped
            chart = self.charts.get(SeriesKey(sym, self.interval))
            if chart is not None and len(chart) and "rsi" in chart.columns:
                self.quotes[sym].rsi = chart.value("rsi", len(chart) - 1)
            due[sym] = self.quotes[sym]
        self._quotes_dirty.clear()
        return due

    def status_at(self, now: float, *, hidden: Sequence[str], dropped: int) -> StatusData:
        """The status bar's content now: the countdown to the next try, the silence, the candles stored."""
        quiet = now - self._last_message if self._last_message else None
        return dataclasses.replace(
            self.status,
            quiet_for=quiet if quiet is not None and quiet >= QUIET_AFTER and self.status.state == "live" else None,
            retry_in=None if self._retry_at is None else max(0, math.ceil(self._retry_at - now)),
            stored=self.stored.get(self.current_key, 0),
            hidden=f"hidden for size: {', '.join(hidden)}" if hidden else "",
            dropped=dropped,
        )

    def store_failing(self) -> None:
        """A store write failed (its rows are kept and tried again)."""
        self.status = dataclasses.replace(self.status, store="failing")

    # ---- history ---------------------------------------------------------------------------------------

    def on_history(self, history: History, stored: int) -> ChartData | None:
        """Hold a series' loaded candles (or prepend older ones when paging back); returns the chart changed."""
        self.stored[history.key] = stored
        if history.before is not None:
            self.loading_older = False
            chart = self.charts.get(history.key)
            if chart is not None:
                added = chart.extend_older(history.candles)
                chart.more_history = history.more and added > 0
                self.viewport.shift(added)
            return chart
        if history.key != self.current_key and history.key not in self.charts:
            return None
        track = self.series.load(history.key, history.candles, self.pending.pop(history.key, []))
        chart = self.charts.get(history.key) or ChartData.over(track, self.studies)
        chart.more_history = history.more
        chart.synced = history.synced
        self.charts[history.key] = chart
        self.charts.move_to_end(history.key)
        while len(self.charts) > CACHED_CHARTS:
            self._drop(next(iter(self.charts)))
        return chart

    def _drop(self, key: SeriesKey) -> None:
        """Stop holding a chart: its series' state keeps only what the stored rows and the rules need."""
        del self.charts[key]
        self.series.release(key)

    def needs_history(self) -> bool:
        """Whether the series on screen must be (re)loaded: not held, or held before the exchange filled it in."""
        chart = self.chart
        if chart is not None and (chart.synced or not self.connected):
            self.charts.move_to_end(chart.key)
            return False
        return True

    def older_wanted(self, plot_width: int) -> tuple[SeriesKey, int] | None:
        """The series and open time to page back from, when the viewport nears the oldest candle held."""
        chart = self.chart
        if chart is None or self.loading_older or not chart.more_history or not chart.series.closed:
            return None
        start, _ = self.viewport.window(len(chart), plot_width)
        if start >= MIN_WARMUP // 2:
            return None
        self.loading_older = True
        return chart.key, chart.series.closed[0].open_time

    # ---- what the user changes -------------------------------------------------------------------------

    def select(self, symbol: str) -> None:
        """Show another symbol, at the live edge."""
        self.selected = symbol
        self.viewport.end()

    def set_interval(self, interval: Interval) -> bool:
        """Show another interval; False when it is the one shown."""
        if interval is self.interval:
            return False
        self.interval = interval
        for key in [k for k in self.charts if k.interval is not interval]:
            self._drop(key)
        self.pending.clear()
        self.viewport.end()
        return True

    def add_symbol(self, symbol: str) -> bool:
        """Add a symbol to the watchlist; False when it is there already."""
        if not symbol or symbol in self.watchlist:
            return False
        self.watchlist.append(symbol)
        self.quotes[symbol] = Quote()
        return True

    def remove_symbol(self, symbol: str) -> bool:
        """Remove a symbol; True when the symbol on screen changed (the next one in the list is shown)."""
        index = self.watchlist.index(symbol)
        self.watchlist.remove(symbol)
        self.quotes.pop(symbol, None)
        for key in [k for k in self.charts if k.symbol == symbol]:
            self._drop(key)
        if symbol != self.selected:
            return False
        self.select(self.watchlist[min(index, len(self.watchlist) - 1)])
        return True

