"""The app's browser popout: one server started on first use, kept on the chart the app shows."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from tuichart.alerts.rules import AlertRule, level_lines
from tuichart.binance.presets import Endpoints
from tuichart.domain import SeriesKey
from tuichart.engine.chart_data import ChartData
from tuichart.engine.chart_snapshot import chart_snapshot, last_candle, stored_snapshot
from tuichart.indicators import Study
from tuichart.store import Store
from tuichart.web.browser import open_browser

if TYPE_CHECKING:
    from tuichart.web import PopoutServer

POPOUT_CANDLES = 1000  # candles a popout page starts with


class Popout:
    """Serves the chart on screen to browsers; pages follow the app's chart, its live candle and its alert levels."""

    def __init__(
        self,
        store: Store,
        studies: Sequence[Study],
        *,
        port: int,
        token: str | None,
        charts: Callable[[SeriesKey], ChartData | None],
        rules: Callable[[], Sequence[AlertRule]],
        endpoints: Callable[[], Endpoints | None],
    ) -> None:
        self._store = store
        self._studies = tuple(studies)
        self._port = port
        self._token = token
        self._charts = charts
        self._rules = rules
        self._endpoints = endpoints
        self.server: PopoutServer | None = None

    async def open(self, key: SeriesKey, symbols: Sequence[str]) -> bool:
        """Serve `key` (starting the server the first time); True when a browser was opened (only the first time).

        Raises OSError when the port cannot be served.
        """
        first = self.server is None
        if self.server is None:
            from tuichart.web import PopoutServer  # aiohttp is loaded only once a popout is asked for

            server = PopoutServer(self._snapshot, key, symbols=list(symbols), port=self._port, token=self._token)
            await server.start()
            self.server = server
        self.server.select(key)
        return first and open_browser(self.server.url, os.environ)  # one tab; later presses just show where

    async def _snapshot(self, key: SeriesKey) -> dict[str, Any]:
        chart = self._charts(key)
        if chart is not None and len(chart):
            snap = chart_snapshot(chart, POPOUT_CANDLES)
        else:
            snap = await asyncio.to_thread(
                stored_snapshot, self._store, key, self._studies, POPOUT_CANDLES, self._endpoints()
            )
        return {**snap, "levels": level_lines(self._rules(), key.symbol)}

    def changed(self, chart: ChartData) -> None:
        """A push changed this chart: open pages on it draw the candle."""
        if self.server is not None and self.server.clients and chart.key == self.server.key:
            self.server.send(last_candle(chart))

    def loaded(self, key: SeriesKey) -> None:
        """A chart's history arrived: a page that drew the few candles there were draws all of it."""
        if self.server is not None and self.server.key == key:
            self.server.refresh()

    def select(self, key: SeriesKey) -> None:
        """Open pages switch to this chart; a page loaded from now on opens on it."""
        if self.server is not None:
            self.server.select(key)

    def set_symbols(self, symbols: Sequence[str]) -> None:
        """The watchlist the pages offer."""
        if self.server is not None:
            self.server.set_symbols(list(symbols))

    def reload(self) -> None:
        """Open pages load again (the alert levels changed)."""
        if self.server is not None:
            self.server.send({"type": "reload"})

    async def stop(self) -> None:
        """Stop serving."""
        if self.server is not None:
            await self.server.stop()
