"""The tuichart Textual app: a feed worker posts events, one handler owns market state, panes redraw throttled."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import math
import os
import threading
from collections import OrderedDict, deque
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Static
from textual.worker import Worker, WorkerState, get_current_worker

from tuichart.alerts.rules import AlertRule, level_lines, rule_keys
from tuichart.alerts.rules_file import add_rule, remove_rules
from tuichart.binance.presets import Endpoints
from tuichart.config import save_choices, screenshot_dir
from tuichart.domain import Candle, FeedState, FeedStatus, FiredAlert, Interval, KlineEvent, SeriesKey, TickerEvent
from tuichart.engine.builder import EngineHooks, build_engine
from tuichart.engine.chart_data import ChartData
from tuichart.engine.chart_snapshot import chart_snapshot, last_candle, stored_snapshot
from tuichart.engine.endpoints import exchange_endpoints
from tuichart.engine.engine import EngineOptions, MarketEngine
from tuichart.engine.feed import FeedEvent
from tuichart.engine.history import load_history
from tuichart.engine.policies import rest_client
from tuichart.errors import TuichartError
from tuichart.indicators import MIN_WARMUP
from tuichart.store import Store
from tuichart.tui.guard import guarded
from tuichart.tui.layout import PANE_HEIGHTS, plan_layout
from tuichart.tui.messages import (
    AlertFired,
    AlertNote,
    ExchangeReady,
    FeedArrived,
    FiredLoaded,
    HistoryLoaded,
    QuotesLoaded,
    SessionStarted,
    TickersLoaded,
)
from tuichart.tui.options import AppOptions
from tuichart.tui.render.chart_view import build_view, time_labels, with_time_axis
from tuichart.tui.render.viewport import Viewport
from tuichart.tui.screens.alerts import AlertsScreen
from tuichart.tui.screens.modals import AddSymbolScreen, HelpScreen, PanesScreen, PopoutScreen
from tuichart.tui.widgets.legend import Legend, LegendData
from tuichart.tui.widgets.panes import ChartPane
from tuichart.tui.widgets.status import StatusBar, StatusData
from tuichart.tui.widgets.watchlist import Quote, Watchlist
from tuichart.web.browser import open_browser

if TYPE_CHECKING:
    from tuichart.web import PopoutServer

log = logging.getLogger(__name__)

DIGIT_INTERVALS = ("1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w", "1M")
CACHED_CHARTS = 8
QUOTES_EVERY = 1.0  # seconds between watchlist repaints
POPOUT_CANDLES = 1000  # candles a popout page starts with
FAILURE_EVERY = 60.0  # seconds between notifications of one delivery channel's failures
Y_AXIS = 12  # columns plotext uses for y tick labels, roughly


class TuichartApp(App[int]):
    """Watchlist on the left, the selected chart on the right, status at the bottom."""

    CSS_PATH = "tuichart.tcss"
    TITLE = "tuichart"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Help"),
        Binding("left_square_bracket", "interval(-1)", "Interval-", show=False),
        Binding("right_square_bracket", "interval(1)", "Interval+"),
        *(Binding(str(n), f"digit_interval({n})", f"{iv}", show=False) for n, iv in enumerate(DIGIT_INTERVALS, 1)),
        Binding("h,left", "cursor(-1)", "Cursor", show=False),
        Binding("l,right", "cursor(1)", "Cursor", show=False),
        Binding("H", "cursor(-10)", "Cursor -10", show=False),
        Binding("L", "cursor(10)", "Cursor +10", show=False),
        Binding("home", "cursor_home", "Oldest", show=False),
        Binding("end", "cursor_end", "Live", show=False),
        Binding("plus,equals_sign", "zoom(0.8)", "Zoom in", show=False),
        Binding("minus", "zoom(1.25)", "Zoom out", show=False),
        Binding("less_than_sign", "pan(1)", "Pan back", show=False),
        Binding("greater_than_sign", "pan(-1)", "Pan fwd", show=False),
        Binding("i", "panes", "Panes"),
        Binding("t", "heikin_ashi", "HA"),
        Binding("a", "add_symbol", "Add"),
        Binding("d", "remove_symbol", "Remove"),
        Binding("s", "screenshot_svg", "Shot"),
        Binding("o", "popout", "Popout"),
        Binding("A", "alerts", "Alerts"),
    ]

    def __init__(self, options: AppOptions, store: Store, *, endpoints: Endpoints | None = None) -> None:
        super().__init__()
        self.options = options
        self.store = store
        self.endpoints = endpoints
        self.watchlist = list(options.symbols)
        self.interval = options.interval
        self.selected = self.watchlist[0] if self.watchlist else ""
        self.hidden = options.hidden_panes
        self.heikin = False
        self.viewport = Viewport()
        self.charts: OrderedDict[SeriesKey, ChartData] = OrderedDict()
        self.pending: dict[SeriesKey, list[KlineEvent]] = {}
        self.quotes: dict[str, Quote] = {s: Quote() for s in self.watchlist}
        self.engine: MarketEngine | None = None
        """The live pipeline, built once the exchange's endpoints are known."""
        self.connected = False
        self.trading: list[str] = []
        self.status = StatusData(exchange=options.exchange_label, demo=options.demo is not None, store=store.mode.value)
        self.stored: dict[SeriesKey, int] = {}
        self._last_message = 0.0
        self._retry_at: float | None = None
        """Loop time of the next reconnect try, counted down on the status bar."""
        self._dirty = True
        self._quotes_dirty: set[str] = set()
        self._quotes_shown_at = 0.0
        self._view_version = 0
        self._drawn_width = 0
        self._reported: set[tuple[str, str, str]] = set()
        self.popout: PopoutServer | None = None
        self._loading_older = False
        self._hidden_by_size: list[str] = []
        self._history_lock = threading.Lock()
        self.reconnects = 0
        self._last_status = StatusData()
        self._last_legend = LegendData()
        self.rules: list[AlertRule] = list(options.alerts)
        self.fired: deque[FiredAlert] = deque(maxlen=100)
        """Alerts fired in this run, newest first."""
        self._failure_shown: dict[str, float] = {}
        if store.notice:
            self.call_later(self.notify, store.notice, severity="warning", timeout=10)

    # ---- layout --------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Watchlist | legend + panes; status bar and key footer below."""
        with Horizontal(id="main"):
            yield Watchlist(id="watchlist", show_rsi=self.options.watchlist_rsi)
            with Vertical(id="chart"):
                yield Legend(id="legend")
                yield ChartPane(id="pane-candles")
                yield ChartPane(id="pane-volume", classes="sub")
                for study in self.options.studies:
                    if not study.indicator.overlay:
                        yield ChartPane(id=f"pane-{study.kind}", classes="sub")
                yield Static("", id="too-small")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        """Start the feed, load the first chart, and start the frame clock."""
        self.query_one(Watchlist).set_symbols(self.watchlist, self.selected)
        self.query_one("#too-small").display = False
        self._apply_layout()
        self.load_quotes()
        if self.selected:
            self.request_history(SeriesKey(self.selected, self.interval), sync=False)  # stored candles at once
        self.run_feed()
        self.set_interval(1 / self.options.fps, self._frame)
        gc.freeze()  # modules and widgets live as long as the app: full collections need not walk them again

    def on_resize(self, event: events.Resize) -> None:
        """Collapse or restore panes for the new size."""
        self._apply_layout(event.size.width, event.size.height)
        self._dirty = True

    def _apply_layout(self, width: int | None = None, height: int | None = None) -> None:
        wanted = ["volume", *(s.kind for s in self.options.studies if not s.indicator.overlay)]
        shown = [p for p in wanted if p not in self.hidden]
        plan = plan_layout(width or self.size.width, height or self.size.height, shown)
        self._hidden_by_size = plan.collapsed
        self.query_one("#watchlist").display = plan.watchlist
        chart_ok = plan.fits
        self.query_one("#too-small", Static).display = not chart_ok
        if not chart_ok:
            self.query_one("#too-small", Static).update(plan.message)
        self.query_one("#legend").display = chart_ok
        self.query_one("#pane-candles").display = chart_ok
        for pane in self.query(".sub").results(ChartPane):
            name = (pane.id or "").removeprefix("pane-")
            pane.display = chart_ok and name in plan.panes
            if pane.display:
                pane.styles.height = PANE_HEIGHTS.get(name, 6)

    # ---- workers --------------------------------------------------------------------------------------

    @work(exclusive=True, group="feed", exit_on_error=False)
    async def run_feed(self) -> None:
        """Connect (or start the demo exchange), then post every feed event; retries while offline."""
        async with exchange_endpoints(self.options.exchange, self.options.demo, self.watchlist) as endpoints:
            if self.endpoints is None or self.options.demo is not None:
                self.endpoints = endpoints
            self.post_message(ExchangeReady(self.endpoints))
            engine = self.engine = self._build_engine(self.endpoints)
            engine.subscribe(self._post_event)

            async def started(unknown: list[str]) -> None:
                self.post_message(SessionStarted(unknown))
                try:
                    tickers = await engine.tickers([k.symbol for k in engine.keys])
                    self.post_message(TickersLoaded(tickers))
                except TuichartError as exc:
                    log.warning("tickers: %s", exc)

            await engine.run_forever(lambda: (self.watchlist, self.interval), started)

    def _post_event(self, event: FeedEvent) -> None:
        self.post_message(FeedArrived(event))

    def _build_engine(self, endpoints: Endpoints) -> MarketEngine:
        """The engine: the watchlist with tickers, closed candles stored, the rules evaluated on their own thread."""
        return build_engine(
            rest_client(endpoints, self.options.network),
            self.store,
            EngineOptions(self.options.network, tickers=True),
            rules=self.rules,
            notify=self.options.notify,
            source="app",
            rules_change=True,
            hooks=EngineHooks(
                say=self._post_note,
                on_fired=self._post_fired,
                on_store_error=lambda exc: self.call_from_thread(self._store_failed, exc),
                on_delivery=self._delivered,
            ),
        )

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def request_history(self, key: SeriesKey, before: int | None = None, sync: bool = True) -> None:
        """Load a series' closed candles (newest request wins); paging back when `before` is given.

        The stored candles are posted at once; with `sync` the exchange then fills in what the store lacks and
        the result is posted again.
        """
        need = MIN_WARMUP + 1000
        worker = get_current_worker()
        endpoints = self.endpoints if sync else None
        if before is None or endpoints is None:  # the store alone: no need to wait for an older request's fetch
            stored = load_history(self.store, key, need, endpoints=None, before=before)
            shown = threading.Event()
            self.post_message(HistoryLoaded(stored, self.store.count(key), shown))
            # the fetch's Python work would slow the drawing of what is stored (one GIL): it waits for the screen
            shown.wait(0.5)
        if endpoints is None:
            return
        with self._history_lock:  # one fetch at a time: a newer request then finds what the older one fetched
            if worker.is_cancelled:
                return
            history = load_history(self.store, key, need, endpoints=endpoints, before=before)
            self.post_message(HistoryLoaded(history, self.store.count(key)))

    @work(thread=True, group="quotes", exit_on_error=False)
    def load_quotes(self) -> None:
        """Last stored closes for the watchlist, shown until live quotes arrive."""
        last: dict[str, float] = {}
        for sym in self.watchlist:
            closes = self.store.load_columns(SeriesKey(sym, self.interval), last=1)["close"]
            if closes.size:
                last[sym] = float(closes[0])
        self.post_message(QuotesLoaded(last))

    # ---- the one handler that owns market state ---------------------------------------------------------

    @on(FeedArrived)
    @guarded
    def _on_feed(self, message: FeedArrived) -> None:
        ev = message.event
        self._last_message = asyncio.get_running_loop().time()
        if isinstance(ev, KlineEvent):
            chart = self.charts.get(ev.key)
            if chart is not None:
                chart.apply(ev)
                if ev.key.symbol == self.selected:
                    self._dirty = True
                if self.popout is not None and self.popout.clients and ev.key == self.popout.key:
                    self.popout.send(last_candle(chart))
            elif ev.key == self.current_key:
                self.pending.setdefault(ev.key, []).append(ev)
            if ev.closed and ev.key in self.stored:
                self.stored[ev.key] += 1
            quote = self.quotes.get(ev.key.symbol)
            if quote is not None:
                quote.last = ev.candle.close
                self._quotes_dirty.add(ev.key.symbol)
        elif isinstance(ev, TickerEvent):
            quote = self.quotes.get(ev.symbol)
            if quote is not None:
                quote.last, quote.change_pct = ev.last, ev.change_pct
                self._quotes_dirty.add(ev.symbol)
        elif isinstance(ev, FeedStatus):
            if ev.state is FeedState.RECONNECTING and self.status.state == "live":
                self.reconnects += 1
            self.status = _replace(self.status, state=ev.state.value, detail=ev.detail, retry_in=ev.retry_in)
            self._retry_at = None if ev.retry_in is None else self._last_message + ev.retry_in
            if ev.state is FeedState.LIVE:
                self.status = _replace(self.status, detail="")

    @on(ExchangeReady)
    def _on_exchange(self, message: ExchangeReady) -> None:
        self.endpoints = message.endpoints

    @on(SessionStarted)
    @guarded
    def _on_session(self, message: SessionStarted) -> None:
        self.connected = True
        self.trading = self.engine.trading if self.engine is not None else []
        if message.unknown:
            self.notify(
                f"not trading on {self.options.exchange_label}: {', '.join(message.unknown)}", severity="warning"
            )
        chart = self.charts.get(self.current_key)
        if self.selected and (chart is None or not chart.synced):
            self.request_history(self.current_key)
        self._stream_alert_series()

    @on(TickersLoaded)
    @guarded
    def _on_tickers(self, message: TickersLoaded) -> None:
        for t in message.tickers:
            if t.symbol in self.quotes:
                # from the prices, as the miniTicker's is: REST's priceChangePercent is rounded to 3 decimals
                change = (t.last - t.open) / t.open * 100.0 if t.open else t.change_pct
                self.quotes[t.symbol].last, self.quotes[t.symbol].change_pct = t.last, change
                self._quotes_dirty.add(t.symbol)

    @on(QuotesLoaded)
    @guarded
    def _on_quotes(self, message: QuotesLoaded) -> None:
        for sym, last in message.last.items():
            if sym in self.quotes and self.quotes[sym].last != self.quotes[sym].last:  # still NaN
                self.quotes[sym].last = last
                self._quotes_dirty.add(sym)

    @on(HistoryLoaded)
    @guarded
    def _on_history(self, message: HistoryLoaded) -> None:
        h = message.history
        self.stored[h.key] = message.stored
        if h.error:
            self.notify(f"{h.key}: showing stored candles only ({h.error})", severity="warning", timeout=6)
        if h.before is not None:
            self._loading_older = False
            chart = self.charts.get(h.key)
            if chart is not None:
                added = chart.extend_older(h.candles)
                chart.more_history = h.more and added > 0
                self.viewport.shift(added)
                self._redraw()
            return
        if message.shown is not None:
            self.call_after_refresh(message.shown.set)
        if h.key != self.current_key and h.key not in self.charts:
            return
        chart = ChartData(h.key, self.options.studies, h.candles)
        chart.more_history = h.more
        chart.synced = h.synced
        for ev in [*_newer_than(self.charts.get(h.key), h.candles), *self.pending.pop(h.key, [])]:
            chart.apply(ev)
        self.charts[h.key] = chart
        self.charts.move_to_end(h.key)
        while len(self.charts) > CACHED_CHARTS:
            self.charts.popitem(last=False)
        if h.key == self.current_key:
            self._redraw()
        if self.popout is not None and self.popout.key == h.key:
            self.popout.refresh()  # a page that drew the few candles there were draws the history

    @on(Worker.StateChanged)
    def _on_worker(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            exc = event.worker.error
            self.report_error(event.worker.name, exc)

    def report_error(self, where: str, exc: BaseException) -> None:
        """Log an unexpected error with its traceback and show it once (a repeating one is not re-shown)."""
        log.error("%s failed", where, exc_info=exc)
        seen = (where, type(exc).__name__, str(exc))
        if seen not in self._reported:
            self._reported.add(seen)
            self.notify(f"{where}: {exc} (details in the log)", title="unexpected error", severity="error", timeout=10)

    def _store_failed(self, exc: Exception) -> None:
        self.status = _replace(self.status, store="failing")
        self.notify(f"store write failed: {exc}", severity="error")

    # ---- alerts --------------------------------------------------------------------------------------

    def _post_note(self, text: str) -> None:
        self.post_message(AlertNote(text))  # from the alert thread: post_message is thread-safe

    def _post_fired(self, alert: FiredAlert) -> None:
        self.post_message(AlertFired(alert))

    @work(exclusive=True, group="alert-streams", exit_on_error=False)
    async def _stream_alert_series(self) -> None:
        """Stream the series the rules are evaluated on, beside the watchlist."""
        if self.engine is None or not self.connected:
            return
        idle = await self.engine.set_extra(sorted(rule_keys(self.rules, self.watchlist), key=str))
        if idle:
            text = f"alerts on {', '.join(idle)} are not evaluated: not trading on {self.options.exchange_label}"
            log.warning(text)
            self.notify(text, severity="warning", timeout=10)

    def _watchlist_changed(self) -> None:
        """`*` rules follow the watchlist."""
        if self.engine is not None:
            self.engine.set_rules(self.rules, self.watchlist)
        self._stream_alert_series()

    def _set_rules(self, rules: list[AlertRule]) -> None:
        self.rules = rules
        if self.engine is not None:
            self.engine.set_rules(rules, self.watchlist)
        if isinstance(self.screen, AlertsScreen):
            self.screen.show_rules(rules)
        self._stream_alert_series()
        self._redraw()  # their level lines
        if self.popout is not None:
            self.popout.send({"type": "reload"})  # open pages draw the new levels

    @on(AlertFired)
    @guarded
    def _on_alert(self, message: AlertFired) -> None:
        alert = message.alert
        self.fired.appendleft(alert)
        self.notify(alert.message, title=f"alert {alert.rule_id}", severity="warning", timeout=15)
        if self.options.notify.bell:
            self.bell()
        if isinstance(self.screen, AlertsScreen):
            self.screen.show_fired(list(self.fired))

    @on(AlertNote)
    def _on_alert_note(self, message: AlertNote) -> None:
        self.notify(message.text, severity="warning", timeout=10)

    def _delivered(self, channel: str, alert: FiredAlert, error: str | None) -> None:
        if error is None:
            return
        now = asyncio.get_running_loop().time()
        if now - self._failure_shown.get(channel, -FAILURE_EVERY) >= FAILURE_EVERY:  # the log has every one
            self._failure_shown[channel] = now
            text = f"alert {alert.rule_id} via {channel} failed: {error}"
            self.notify(text, severity="error", timeout=FAILURE_EVERY)  # stays until the next one may show

    def action_alerts(self) -> None:
        """The alert rules (add, remove) and the alerts fired lately."""
        self._load_fired()

    @work(thread=True, exclusive=True, group="fired", exit_on_error=False)
    def _load_fired(self) -> None:
        self.post_message(FiredLoaded(self.store.fired_alerts(limit=50)))

    @on(FiredLoaded)
    @guarded
    def _show_alerts(self, message: FiredLoaded) -> None:
        seen = {(a.rule_id, a.symbol, a.open_time, a.fired_at) for a in self.fired}
        stored = [a for a in message.fired if (a.rule_id, a.symbol, a.open_time, a.fired_at) not in seen]
        fired = sorted([*self.fired, *stored], key=lambda a: a.fired_at, reverse=True)
        if isinstance(self.screen, AlertsScreen):
            self.screen.show_fired(fired)
            return
        self.push_screen(AlertsScreen(self.rules, fired, self.selected or "*", self.interval.value))

    @on(AlertsScreen.Added)
    @guarded
    def _rule_added(self, message: AlertsScreen.Added) -> None:
        rule = message.rule
        if self.options.save_choices:
            try:
                add_rule(rule, self.options.config_file)
            except TuichartError as exc:
                self.notify(str(exc), severity="error")
                return
        self._set_rules([*self.rules, rule])
        self.notify(f"added alert {rule.id}: {rule}")

    @on(AlertsScreen.Removed)
    @guarded
    def _rule_removed(self, message: AlertsScreen.Removed) -> None:
        if self.options.save_choices:
            try:
                remove_rules([message.rule_id], self.options.config_file)
            except TuichartError as exc:
                self.notify(str(exc), severity="error")
                return
        self._set_rules([r for r in self.rules if r.id != message.rule_id])
        self.notify(f"removed alert {message.rule_id}")

    # ---- drawing -------------------------------------------------------------------------------------

    @property
    def current_key(self) -> SeriesKey:
        """The series on screen."""
        return SeriesKey(self.selected, self.interval)

    @property
    def plot_width(self) -> int:
        """Columns available for candles (one candle per column at most)."""
        return max(10, self.query_one("#pane-candles").size.width - Y_AXIS)

    @guarded
    def _frame(self) -> None:
        """Runs at --fps: pushes new data down to the widgets that need it."""
        now = asyncio.get_running_loop().time()
        # watchlist numbers change at most once a second, as Binance's tickers do; fewer repaints over SSH
        if self._quotes_dirty and now - self._quotes_shown_at >= QUOTES_EVERY:
            self._quotes_shown_at = now
            table = self.query_one(Watchlist)
            chart_rsi = {
                k.symbol: c.value("rsi", len(c) - 1) for k, c in self.charts.items() if len(c) and "rsi" in c.columns
            }
            for sym in self._quotes_dirty & self.quotes.keys():  # a symbol removed since is skipped
                if sym in chart_rsi:
                    self.quotes[sym].rsi = chart_rsi[sym]
                table.update_quote(sym, self.quotes[sym])
            self._quotes_dirty.clear()
        quiet = now - self._last_message if self._last_message else None
        hidden = f"hidden for size: {', '.join(self._hidden_by_size)}" if self._hidden_by_size else ""
        stored = self.stored.get(self.current_key, 0)
        status = _replace(
            self.status,
            quiet_for=quiet if quiet is not None and quiet >= 5 and self.status.state == "live" else None,
            retry_in=None if self._retry_at is None else max(0, math.ceil(self._retry_at - now)),
            stored=stored,
            hidden=hidden,
            dropped=self.engine.dropped if self.engine is not None else 0,
        )
        if status != self._last_status:
            self._last_status = status
            self.query_one(StatusBar).show(status)
        if self.plot_width != self._drawn_width:  # the panes were laid out (or resized) after the last draw
            self._dirty = True
        if self._dirty:
            self._dirty = False
            self._draw()

    def _redraw(self) -> None:
        """Draw now: what the user asked for does not wait for the next frame tick (only the stream is throttled)."""
        self._dirty = True
        if gc.isenabled():  # a full collection (tens of ms) would hold the picture back: it waits until after
            gc.disable()
            self.call_after_refresh(gc.enable)
        self._frame()

    def _draw(self) -> None:
        chart = self.charts.get(self.current_key)
        legend = self.query_one(Legend)
        if chart is None:
            self._last_legend = LegendData(self.current_key if self.selected else None, note="loading history…")
            legend.show(self._last_legend)
            return
        self._view_version += 1
        width = self.plot_width
        self._drawn_width = width
        view = build_view(
            chart,
            self.viewport,
            width,
            self.hidden,
            heikin_ashi=self.heikin,
            color=self.options.color,
            version=self._view_version,
            alert_levels=level_lines(self.rules, self.selected),
        )
        self._last_legend = view.legend
        legend.show(view.legend)
        panes = {"candles": view.candles, "volume": view.volume, **view.panes}
        visible = [p for p in self.query(ChartPane).results(ChartPane) if p.display]
        labels = time_labels(chart, self.viewport, width)
        for pane in visible:
            name = (pane.id or "").removeprefix("pane-")
            data = panes.get(name)
            if data is None:
                continue
            pane.show(with_time_axis(data, labels) if pane is visible[-1] else data)

    # ---- actions --------------------------------------------------------------------------------------

    @on(Watchlist.Highlighted)
    def _highlighted(self, event: Watchlist.Highlighted) -> None:
        if event.symbol != self.selected:
            self._select(event.symbol)

    @on(Watchlist.Selected)
    def _selected(self, event: Watchlist.Selected) -> None:
        self._select(event.symbol)

    def _select(self, symbol: str) -> None:
        self.selected = symbol
        self.viewport.end()
        self._show_current()

    def _show_current(self) -> None:
        key = self.current_key
        if self.popout is not None:
            self.popout.select(key)  # open pages switch; a page loaded from now on opens on this chart
        chart = self.charts.get(key)
        if chart is not None and (chart.synced or not self.connected):
            self.charts.move_to_end(key)
        else:
            self.request_history(key)
        self._redraw()

    async def action_interval(self, step: int) -> None:
        """Previous / next interval."""
        order = list(Interval)
        await self._set_interval(order[(order.index(self.interval) + step) % len(order)])

    async def action_digit_interval(self, n: int) -> None:
        """Jump to one of the common intervals."""
        await self._set_interval(Interval.parse(DIGIT_INTERVALS[n - 1]))

    async def _set_interval(self, interval: Interval) -> None:
        if interval is self.interval:
            return
        self.interval = interval
        self.charts = OrderedDict((k, c) for k, c in self.charts.items() if k.interval is interval)
        self.pending.clear()
        self.viewport.end()
        if self.engine is not None:
            await self.engine.set_interval(interval)
        self._show_current()
        self._save(interval=interval.value)

    def action_cursor(self, step: int) -> None:
        """Move the candle cursor."""
        chart = self.charts.get(self.current_key)
        if chart is not None:
            self.viewport.move_cursor(step, len(chart), self.plot_width)
            self._maybe_load_older(chart)
            self._redraw()

    def action_cursor_home(self) -> None:
        """Cursor to the oldest candle held."""
        chart = self.charts.get(self.current_key)
        if chart is not None:
            self.viewport.home(len(chart), self.plot_width)
            self._maybe_load_older(chart)
            self._redraw()

    def action_cursor_end(self) -> None:
        """Back to the live edge."""
        self.viewport.end()
        self._redraw()

    def action_zoom(self, factor: float) -> None:
        """Fewer (< 1) or more (> 1) candles on screen."""
        self.viewport.zoom(factor, self.plot_width)
        self._redraw()

    def action_pan(self, direction: int) -> None:
        """Pan a quarter screen back (1) or forward (-1)."""
        chart = self.charts.get(self.current_key)
        if chart is not None:
            step = max(1, min(self.viewport.count, self.plot_width) // 4)
            self.viewport.pan(direction * step, len(chart))
            self._maybe_load_older(chart)
            self._redraw()

    def _maybe_load_older(self, chart: ChartData) -> None:
        start, _ = self.viewport.window(len(chart), self.plot_width)
        if start < MIN_WARMUP // 2 and chart.more_history and not self._loading_older and chart.series.closed:
            self._loading_older = True
            self.request_history(chart.key, before=chart.series.closed[0].open_time)

    def action_heikin_ashi(self) -> None:
        """Heikin-Ashi candles on / off."""
        self.heikin = not self.heikin
        self._redraw()

    def action_help(self) -> None:
        """The key help."""
        self.push_screen(HelpScreen())

    def action_panes(self) -> None:
        """Choose panes and overlays."""
        studies = self.options.studies
        panes = [s.kind for s in studies if not s.indicator.overlay]
        kinds = ["volume", *dict.fromkeys(panes + [s.kind for s in studies if s.indicator.overlay])]
        shown = frozenset(k for k in kinds if k not in self.hidden)

        def done(result: frozenset[str] | None) -> None:
            if result is None:
                return
            self.hidden = frozenset(k for k in kinds if k not in result)
            self._apply_layout()
            self._redraw()
            self._save(hidden_panes=self.hidden)

        self.push_screen(PanesScreen(kinds, shown), done)

    def action_add_symbol(self) -> None:
        """Search the exchange's trading symbols and add one."""

        async def done(symbol: str | None) -> None:
            if not symbol or symbol in self.watchlist:
                return
            self.watchlist.append(symbol)
            self.quotes[symbol] = Quote()
            self.query_one(Watchlist).set_symbols(self.watchlist, self.selected)
            if self.popout is not None:
                self.popout.set_symbols(self.watchlist)
            if self.engine is not None and self.connected:
                await self.engine.add_symbol(symbol, self.interval)
            self._watchlist_changed()
            self._save(watchlist=self.watchlist)
            self.notify(f"added {symbol}")

        self.push_screen(AddSymbolScreen(self.trading, self.watchlist), done)

    async def action_remove_symbol(self) -> None:
        """Remove the highlighted symbol from the watchlist."""
        table = self.query_one(Watchlist)
        symbol = table.highlighted
        if symbol is None:
            return
        if len(self.watchlist) == 1:
            self.notify("the watchlist needs at least one symbol", severity="warning")
            return
        index = self.watchlist.index(symbol)
        self.watchlist.remove(symbol)
        self.quotes.pop(symbol, None)
        for key in [k for k in self.charts if k.symbol == symbol]:
            del self.charts[key]
        if self.engine is not None:
            await self.engine.remove_symbol(symbol)
        self._watchlist_changed()
        if symbol == self.selected:
            self.selected = self.watchlist[min(index, len(self.watchlist) - 1)]
            self.viewport.end()
            self._show_current()
        table.set_symbols(self.watchlist, self.selected)
        if self.popout is not None:
            self.popout.set_symbols(self.watchlist)
        self._save(watchlist=self.watchlist)
        self.notify(f"removed {symbol}")

    def action_screenshot_svg(self) -> None:
        """Save an SVG of the screen in the pictures directory (`screenshot_dir`) and show its path."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        name = f"tuichart-{self.selected}-{self.interval.value}-{stamp}.svg"
        folder = screenshot_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path = self.save_screenshot(name, str(folder))
        except OSError as exc:
            self.notify(f"cannot save a screenshot in {folder}: {exc.strerror or exc}", severity="error", timeout=10)
            return
        self.notify(f"saved {path}", title="screenshot", timeout=10)

    async def action_popout(self) -> None:
        """Serve the chart to a browser (started once), show where, and open a browser when one can be."""
        first = self.popout is None
        if self.popout is None:
            from tuichart.web import PopoutServer  # aiohttp is loaded only once a popout is asked for

            server = PopoutServer(
                self._popout_snapshot,
                self.current_key,
                symbols=self.watchlist,
                port=self.options.popout_port,
                token=self.options.popout_token,
            )
            try:
                await server.start()
            except OSError as exc:
                self.notify(f"cannot serve the popout on 127.0.0.1:{server.port}: {exc.strerror}", severity="error")
                return
            self.popout = server
        self.popout.select(self.current_key)
        opened = first and open_browser(self.popout.url, os.environ)  # one tab; later presses just show where
        self.push_screen(PopoutScreen(self.popout.url, self.popout.ssh_hint(), opened))

    async def _popout_snapshot(self, key: SeriesKey) -> dict[str, Any]:
        chart = self.charts.get(key)
        if chart is not None and len(chart):
            snap = chart_snapshot(chart, POPOUT_CANDLES)
        else:
            studies = self.options.studies
            snap = await asyncio.to_thread(stored_snapshot, self.store, key, studies, POPOUT_CANDLES, self.endpoints)
        return {**snap, "levels": level_lines(self.rules, key.symbol)}

    async def action_quit(self) -> None:
        """Stop the feed, write what is queued, leave."""
        self.exit(0)

    async def on_unmount(self) -> None:
        """Everything queued reaches the store before the app ends."""
        if self.popout is not None:
            await self.popout.stop()
        self.workers.cancel_group(self, "feed")
        if self.engine is not None:
            await self.engine.close()

    def _save(self, **choices: object) -> None:
        if not self.options.save_choices:
            return
        try:
            save_choices(self.options.config_file, **choices)  # type: ignore[arg-type]
        except TuichartError as exc:
            self.notify(str(exc), severity="warning")


def _newer_than(old: ChartData | None, candles: Sequence[Candle]) -> list[KlineEvent]:
    """The live candles a chart being replaced holds beyond `candles` (a reload must not drop them)."""
    if old is None:
        return []
    last = candles[-1].open_time if candles else -1
    closed = [c for c in old.series.closed if c.open_time > last]
    forming = [old.series.forming] if old.series.forming is not None and old.series.forming.open_time > last else []
    return [KlineEvent(old.key, c, i < len(closed), c.close_time) for i, c in enumerate([*closed, *forming])]


def _replace(status: StatusData, **changes: object) -> StatusData:
    import dataclasses

    return dataclasses.replace(status, **changes)  # type: ignore[arg-type]
