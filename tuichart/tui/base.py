"""What the app's parts share: the state they reach, the history and quote loaders, drawing now, saving choices."""

from __future__ import annotations

import gc
import threading
from typing import Any

from textual import work
from textual.app import App
from textual.worker import get_current_worker

from tuichart.binance.presets import Endpoints
from tuichart.config import save_choices
from tuichart.domain import SeriesKey
from tuichart.engine.engine import MarketEngine
from tuichart.engine.history import CHART_CANDLES, load_history
from tuichart.errors import TuichartError
from tuichart.store import Store
from tuichart.tui.messages import HistoryLoaded, QuotesLoaded
from tuichart.tui.model.alert_book import AlertBook
from tuichart.tui.model.screen import ScreenModel
from tuichart.tui.options import AppOptions
from tuichart.tui.popout import Popout

HISTORY_CANDLES = CHART_CANDLES


class AppBase(App[int]):
    """The app's state (set up by `TuichartApp`) and the steps its key handlers and workers have in common."""

    options: AppOptions
    store: Store
    endpoints: Endpoints | None
    model: ScreenModel
    engine: MarketEngine | None
    alert_book: AlertBook
    browser: Popout
    hidden: frozenset[str]
    heikin: bool
    _dirty: bool
    _history_lock: threading.Lock

    def _frame(self) -> None:
        raise NotImplementedError

    def _apply_layout(self, width: int | None = None, height: int | None = None) -> None:
        raise NotImplementedError

    def show_stored(self, key: SeriesKey) -> None:
        """The stored candles of `key`, read now (a few ms): at mount the first frame then shows the chart, and the
        feed's start does not compete with it; a store that fails to read leaves it to `request_history`."""
        try:
            stored = load_history(self.store, key, HISTORY_CANDLES, endpoints=None)
        except TuichartError:
            self.request_history(key, sync=False)
            return
        self.post_message(HistoryLoaded(stored, self.store.count(key)))

    @work(thread=True, exclusive=True, group="history", exit_on_error=False)
    def request_history(self, key: SeriesKey, before: int | None = None, sync: bool = True) -> None:
        """Load a series' closed candles (newest request wins); paging back when `before` is given.

        The stored candles are posted at once; with `sync` the exchange then fills in what the store lacks and
        the result is posted again.
        """
        worker = get_current_worker()
        endpoints = self.endpoints if sync else None
        if before is None or endpoints is None:  # the store alone: no need to wait for an older request's fetch
            stored = load_history(self.store, key, HISTORY_CANDLES, endpoints=None, before=before)
            shown = threading.Event()
            self.post_message(HistoryLoaded(stored, self.store.count(key), shown))
            # the fetch's Python work would slow the drawing of what is stored (one GIL): it waits for the screen
            shown.wait(0.5)
        if endpoints is None:
            return
        with self._history_lock:  # one fetch at a time: a newer request then finds what the older one fetched
            if worker.is_cancelled:
                return
            history = load_history(self.store, key, HISTORY_CANDLES, endpoints=endpoints, before=before)
            self.post_message(HistoryLoaded(history, self.store.count(key)))

    @work(thread=True, group="quotes", exit_on_error=False)
    def load_quotes(self) -> None:
        """Last stored closes for the watchlist, shown until live quotes arrive."""
        last: dict[str, float] = {}
        for sym in list(self.model.watchlist):
            closes = self.store.load_columns(SeriesKey(sym, self.model.interval), last=1)["close"]
            if closes.size:
                last[sym] = float(closes[0])
        self.post_message(QuotesLoaded(last))

    def _stream_alert_series(self) -> Any:
        raise NotImplementedError

    async def add_to_watchlist(self, symbol: str) -> bool:
        """Add a trading symbol to the watchlist (`WatchlistEditing`); True when it was added."""
        raise NotImplementedError

    def _watchlist_changed(self) -> None:
        raise NotImplementedError

    def _redraw(self) -> None:
        """Draw now: what the user asked for does not wait for the next frame tick (only the stream is throttled)."""
        self._dirty = True
        if gc.isenabled():  # a full collection (tens of ms) would hold the picture back: it waits until after
            gc.disable()
            self.call_after_refresh(gc.enable)
        self._frame()

    def _show_current(self) -> None:
        """Show the series the model has on screen: held, or loaded (the popout follows)."""
        self.browser.select(self.model.current_key)
        if self.model.needs_history():
            self.request_history(self.model.current_key)
        self._redraw()

    def _save(self, **choices: object) -> None:
        """Remember the user's choices in the config file (when the app saves them)."""
        if not self.options.save_choices:
            return
        try:
            save_choices(self.options.config_file, **choices)  # type: ignore[arg-type]
        except TuichartError as exc:
            self.notify(str(exc), severity="warning")
