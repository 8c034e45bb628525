"""The app's market scan: `S` opens the screen, which is read again every few seconds while it is open."""

from __future__ import annotations

import asyncio
import logging

import httpx
from textual import work
from textual.timer import Timer

from tuichart.domain import Candle
from tuichart.errors import TuichartError
from tuichart.jobs.scan import ScanRow, scan
from tuichart.jobs.scan_source import stored_market, with_forming
from tuichart.relay.client import RecorderLink
from tuichart.tui.base import AppBase
from tuichart.tui.guard import guarded
from tuichart.tui.messages import ScanLoaded
from tuichart.tui.model.scan_view import ScanView, quote_of
from tuichart.tui.screens.scan import ScanScreen

log = logging.getLogger(__name__)

SCAN_EVERY = 5.0
"""Seconds between two reads of the scan while its screen is open."""


class ScanKeys(AppBase):
    """The scan screen's data: from the store and the engine's forming candles, or from the recorder attached to."""

    scan_view: ScanView | None = None
    _scan_timer: Timer | None = None

    def action_scan(self) -> None:
        """The market at the app's interval, of the selected symbol's quote asset."""
        view = self.scan_view = ScanView(quote_of(self.model.selected), self.model.interval)
        self.push_screen(ScanScreen(view))
        self.read_scan()
        self._scan_timer = self.set_interval(SCAN_EVERY, self.read_scan)

    @work(exclusive=True, group="scan", exit_on_error=False)
    async def read_scan(self) -> None:
        """Read the scan (its forming candles included) and post it."""
        view = self.scan_view
        if view is None:
            return
        try:
            if self.options.recorder is not None:
                link = RecorderLink(self.options.recorder)
                try:
                    rows = await link.scan(view.quote, view.interval, view.where)
                finally:
                    await link.aclose()
            else:
                rows = await asyncio.to_thread(self._scan_store, view, self._forming(view))
        except (TuichartError, httpx.HTTPError) as exc:
            self.post_message(ScanLoaded([], f"the scan could not be read: {exc}"))
            return
        self.post_message(ScanLoaded(rows))

    def _forming(self, view: ScanView) -> dict[str, Candle]:
        forming = {}
        for key, track in self.model.series.tracks.items():
            if key.interval is view.interval and track.series.forming is not None:
                forming[key.symbol] = track.series.forming
        return forming

    def _scan_store(self, view: ScanView, forming: dict[str, Candle]) -> list[ScanRow]:
        from tuichart.alerts.condition import parse_condition

        condition = parse_condition(view.where) if view.where else None
        series = with_forming(stored_market(self.store, view.interval, [view.quote]), forming)
        return scan(series, view.interval, condition)

    @guarded
    def on_scan_loaded(self, message: ScanLoaded) -> None:
        """New rows for the open screen."""
        view = self.scan_view
        if view is None:
            return
        if message.error:
            view.error = message.error
        else:
            view.set_rows(message.rows)
        if isinstance(self.screen, ScanScreen):
            self.screen.show()

    def on_scan_screen_refilter(self, message: ScanScreen.Refilter) -> None:
        """Another condition: read the rows again now."""
        self.read_scan()

    def on_scan_screen_closed(self, message: ScanScreen.Closed) -> None:
        """Stop reading."""
        self._stop_scan()

    async def on_scan_screen_open(self, message: ScanScreen.Open) -> None:
        """The symbol's chart, on the watchlist (added first when it is not)."""
        self._stop_scan()
        if message.symbol not in self.model.watchlist:
            await self.add_to_watchlist(message.symbol)
        if message.symbol in self.model.watchlist:
            self.model.select(message.symbol)
            self._watchlist_changed()  # the widget's highlight moves to it too
            self._show_current()

    async def on_scan_screen_add(self, message: ScanScreen.Add) -> None:
        """Add the symbol to the watchlist."""
        if message.symbol in self.model.watchlist:
            self.notify(f"{message.symbol} is on the watchlist already")
            return
        await self.add_to_watchlist(message.symbol)

    def _stop_scan(self) -> None:
        if self._scan_timer is not None:
            self._scan_timer.stop()
        self._scan_timer = None
        self.scan_view = None
        self.workers.cancel_group(self, "scan")
