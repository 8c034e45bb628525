"""The tuichart Textual app: the engine's events go to one handler that owns the screen model; widgets are told."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import threading

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.css.query import NoMatches
from textual.widgets import Footer
from textual.worker import Worker, WorkerState

from tuichart.alerts.rules import level_lines
from tuichart.binance.presets import Endpoints
from tuichart.engine.builder import EngineHooks, build_engine, series_book
from tuichart.engine.endpoints import exchange_endpoints
from tuichart.engine.engine import EngineOptions, MarketEngine
from tuichart.engine.feed import FeedEvent
from tuichart.engine.policies import rest_client
from tuichart.errors import TuichartError
from tuichart.startup import resume_collector
from tuichart.store import Store
from tuichart.tui.alerts import AlertKeys
from tuichart.tui.guard import guarded
from tuichart.tui.keys import ChartKeys
from tuichart.tui.layout import plan_layout
from tuichart.tui.messages import (
    AlertFired,
    AlertNote,
    ExchangeReady,
    FeedArrived,
    HistoryLoaded,
    QuotesLoaded,
    SessionStarted,
    TickersLoaded,
)
from tuichart.tui.model.alert_book import AlertBook
from tuichart.tui.model.screen import ScreenModel
from tuichart.tui.model.status import StatusData
from tuichart.tui.options import AppOptions
from tuichart.tui.popout import Popout
from tuichart.tui.scan_keys import ScanKeys
from tuichart.tui.watchlist_edit import WatchlistEditing
from tuichart.tui.widgets.chart_panel import ChartPanel
from tuichart.tui.widgets.status import StatusBar
from tuichart.tui.widgets.watchlist import Watchlist

log = logging.getLogger(__name__)


class TuichartApp(ChartKeys, WatchlistEditing, AlertKeys, ScanKeys):
    """Watchlist on the left, the selected chart on the right, status at the bottom."""

    CSS_PATH = "tuichart.tcss"
    TITLE = "tuichart"

    def __init__(self, options: AppOptions, store: Store, *, endpoints: Endpoints | None = None) -> None:
        super().__init__()
        self.options = options
        self.store = store
        self.endpoints = endpoints
        mode = "recorder" if options.recorder else store.mode.value
        status = StatusData(exchange=options.exchange_label, demo=options.demo is not None, store=mode)
        # the engine's book of series states, made now so stored candles show before the exchange is reached
        series = series_book(store, options.studies)
        self.model = ScreenModel(options.symbols, options.interval, options.studies, status, series)
        self.hidden = options.hidden_panes
        self.heikin = False
        self.engine: MarketEngine | None = None
        """The live pipeline, built once the exchange's endpoints are known."""
        self.alert_book = AlertBook(options.alerts, options.config_file, save=options.save_choices, notify=self.notify)
        self.browser = Popout(
            store,
            options.studies,
            port=options.popout_port,
            token=options.popout_token,
            charts=self.model.charts.get,
            rules=lambda: self.alert_book.rules,
            endpoints=lambda: self.endpoints,
        )
        self._dirty = True
        self._hidden_by_size: list[str] = []
        self._history_lock = threading.Lock()
        self._last_status = StatusData()
        self._reported: set[tuple[str, str, str]] = set()
        if store.notice:
            self.call_later(self.notify, store.notice, severity="warning", timeout=10)

    # ---- layout --------------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        """Watchlist | legend + panes; status bar and key footer below."""
        with Horizontal(id="main"):
            yield Watchlist(id="watchlist", show_rsi=self.options.watchlist_rsi)
            yield ChartPanel(self.options.studies, id="chart")
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        """Start the feed, load the first chart, and start the frame clock."""
        self.query_one(Watchlist).set_symbols(self.model.watchlist, self.model.selected)
        self._apply_layout()
        if self.model.selected:
            self.show_stored(self.model.current_key)
        self.load_quotes()
        self.run_feed()
        self.follow_recorder_alerts()
        self.set_interval(1 / self.options.fps, self._frame)
        gc.freeze()  # modules and widgets live as long as the app: full collections need not walk them again
        resume_collector()  # paused by the script's start

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
        self.query_one(ChartPanel).apply_layout(plan)

    # ---- workers --------------------------------------------------------------------------------------

    @work(exclusive=True, group="feed", exit_on_error=False)
    async def run_feed(self) -> None:
        """Connect (or start the demo exchange), build the engine and post its events; it retries while offline."""
        async with exchange_endpoints(self.options.exchange, self.options.demo, self.model.watchlist) as endpoints:
            if self.endpoints is None or self.options.demo is not None:
                self.endpoints = endpoints
            self.post_message(ExchangeReady(self.endpoints))
            engine = self.engine = self._build_engine(self.endpoints)
            engine.subscribe(self._post_event)

            async def started(unknown: list[str]) -> None:
                self.post_message(SessionStarted(unknown))
                try:
                    self.post_message(TickersLoaded(await engine.tickers([k.symbol for k in engine.keys])))
                except TuichartError as exc:
                    log.warning("tickers: %s", exc)

            await engine.run_forever(lambda: (self.model.watchlist, self.model.interval), started)

    def _post_event(self, event: FeedEvent) -> None:
        self.post_message(FeedArrived(event))

    def _build_engine(self, endpoints: Endpoints) -> MarketEngine:
        """The engine: the watchlist with tickers, closed candles stored, the rules evaluated, the charts' series."""
        return build_engine(
            rest_client(endpoints, self.options.network),
            self.store,
            EngineOptions(self.options.network, tickers=True),
            rules=[] if self.options.recorder else self.alert_book.rules,  # attached: the recorder fires them
            notify=self.options.notify,
            source="app",
            rules_change=not self.options.recorder,
            series=self.model.series,
            hooks=EngineHooks(
                say=lambda text: self.post_message(AlertNote(text)),
                on_fired=lambda alert: self.post_message(AlertFired(alert)),
                on_store_error=lambda exc: self.call_from_thread(self._store_failed, exc),
                on_delivery=self._delivered,
            ),
        )

    # ---- the one handler of each message ------------------------------------------------------------------

    @on(FeedArrived)
    @guarded
    def _on_feed(self, message: FeedArrived) -> None:
        chart = self.model.on_event(message.event, asyncio.get_running_loop().time())
        if chart is not None:
            if chart.key.symbol == self.model.selected:
                self._dirty = True
            self.browser.changed(chart)

    @on(ExchangeReady)
    def _on_exchange(self, message: ExchangeReady) -> None:
        self.endpoints = message.endpoints

    @on(SessionStarted)
    @guarded
    def _on_session(self, message: SessionStarted) -> None:
        self.model.started(self.engine.trading if self.engine is not None else [])
        if message.unknown:
            self.notify(
                f"not trading on {self.options.exchange_label}: {', '.join(message.unknown)}", severity="warning"
            )
        chart = self.model.chart
        if self.model.selected and (chart is None or not chart.synced):
            self.request_history(self.model.current_key)
        self._stream_alert_series()

    @on(TickersLoaded)
    def _on_tickers(self, message: TickersLoaded) -> None:
        self.model.on_tickers(message.tickers)

    @on(QuotesLoaded)
    def _on_quotes(self, message: QuotesLoaded) -> None:
        self.model.on_stored_closes(message.last)

    @on(HistoryLoaded)
    @guarded
    def _on_history(self, message: HistoryLoaded) -> None:
        h = message.history
        if h.error:
            self.notify(f"{h.key}: showing stored candles only ({h.error})", severity="warning", timeout=6)
        if message.shown is not None:
            self.call_after_refresh(message.shown.set)
        chart = self.model.on_history(h, message.stored)
        if chart is not None and chart.key == self.model.current_key:
            self._redraw()
        if chart is not None and h.before is None:
            self.browser.loaded(h.key)

    @on(Worker.StateChanged)
    def _on_worker(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.name, event.worker.error)

    def report_error(self, where: str, exc: BaseException) -> None:
        """Log an unexpected error with its traceback and show it once (a repeating one is not re-shown)."""
        log.error("%s failed", where, exc_info=exc)
        seen = (where, type(exc).__name__, str(exc))
        if seen not in self._reported:
            self._reported.add(seen)
            self.notify(f"{where}: {exc} (details in the log)", title="unexpected error", severity="error", timeout=10)

    def _store_failed(self, exc: Exception) -> None:
        self.model.store_failing()
        self.notify(f"store write failed: {exc}", severity="error")

    # ---- drawing -------------------------------------------------------------------------------------

    @guarded
    def _frame(self) -> None:
        """Runs at --fps: pushes what changed down to the widgets."""
        with contextlib.suppress(NoMatches):  # the screen is being taken down: nothing left to draw on
            self._push_down()

    def _push_down(self) -> None:
        now = asyncio.get_running_loop().time()
        due = self.model.quotes_due(now)
        if due:
            table = self.query_one(Watchlist)
            for sym, quote in due.items():
                table.update_quote(sym, quote)
        dropped = self.engine.dropped if self.engine is not None else 0
        status = self.model.status_at(now, hidden=self._hidden_by_size, dropped=dropped)
        if status != self._last_status:
            self._last_status = status
            self.query_one(StatusBar).show(status)
        panel = self.query_one(ChartPanel)
        if panel.plot_width != panel.drawn_width:  # the panes were laid out (or resized) after the last draw
            self._dirty = True
        if self._dirty:
            self._dirty = False
            chart = self.model.chart
            if chart is None:
                panel.show_loading(self.model.current_key if self.model.selected else None)
                return
            levels = level_lines(self.alert_book.rules, self.model.selected)
            panel.draw(
                chart,
                self.model.viewport,
                self.hidden,
                heikin_ashi=self.heikin,
                color=self.options.color,
                alert_levels=levels,
            )

    # ---- leaving -------------------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Stop the feed, write what is queued, leave."""
        self.exit(0)

    async def on_unmount(self) -> None:
        """Everything queued reaches the store before the app ends."""
        await self.browser.stop()
        self.workers.cancel_group(self, "feed")
        if self.engine is not None:
            await self.engine.close()
