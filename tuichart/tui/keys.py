"""The app's keys; the chart's: intervals, the cursor, zoom and pan, panes, Heikin-Ashi, help and screenshots."""

from __future__ import annotations

import datetime as dt

from textual.binding import Binding

from tuichart.config import screenshot_dir
from tuichart.domain import Interval
from tuichart.tui.base import AppBase
from tuichart.tui.screens.modals import HelpScreen, PanesScreen, PopoutScreen
from tuichart.tui.widgets.chart_panel import ChartPanel
from tuichart.tui.widgets.watchlist import Watchlist

DIGIT_INTERVALS = ("1m", "5m", "15m", "30m", "1h", "4h", "1d", "1w", "1M")


class ChartKeys(AppBase):
    """The app's key map, and what the chart's keys do: each changes the screen model, then draws at once."""

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
        Binding("S", "scan", "Scan"),
    ]

    @property
    def plot_width(self) -> int:
        """Columns available for candles."""
        return self.query_one(ChartPanel).plot_width

    def on_watchlist_highlighted(self, event: Watchlist.Highlighted) -> None:
        """Moving through the watchlist shows each symbol."""
        if event.symbol != self.model.selected:
            self._select(event.symbol)

    def on_watchlist_selected(self, event: Watchlist.Selected) -> None:
        """Enter on a symbol shows it."""
        self._select(event.symbol)

    def _select(self, symbol: str) -> None:
        self.model.select(symbol)
        self._show_current()

    async def action_interval(self, step: int) -> None:
        """Previous / next interval."""
        order = list(Interval)
        await self._set_interval(order[(order.index(self.model.interval) + step) % len(order)])

    async def action_digit_interval(self, n: int) -> None:
        """Jump to one of the common intervals."""
        await self._set_interval(Interval.parse(DIGIT_INTERVALS[n - 1]))

    async def _set_interval(self, interval: Interval) -> None:
        if not self.model.set_interval(interval):
            return
        if self.engine is not None:
            await self.engine.set_interval(interval)
        self._show_current()
        self._save(interval=interval.value)

    def action_cursor(self, step: int) -> None:
        """Move the candle cursor."""
        chart = self.model.chart
        if chart is not None:
            self.model.viewport.move_cursor(step, len(chart), self.plot_width)
            self._older_if_near()

    def action_cursor_home(self) -> None:
        """Cursor to the oldest candle held."""
        chart = self.model.chart
        if chart is not None:
            self.model.viewport.home(len(chart), self.plot_width)
            self._older_if_near()

    def action_cursor_end(self) -> None:
        """Back to the live edge."""
        self.model.viewport.end()
        self._redraw()

    def action_zoom(self, factor: float) -> None:
        """Fewer (< 1) or more (> 1) candles on screen."""
        self.model.viewport.zoom(factor, self.plot_width)
        self._redraw()

    def action_pan(self, direction: int) -> None:
        """Pan a quarter screen back (1) or forward (-1)."""
        chart = self.model.chart
        if chart is not None:
            step = max(1, min(self.model.viewport.count, self.plot_width) // 4)
            self.model.viewport.pan(direction * step, len(chart))
            self._older_if_near()

    def _older_if_near(self) -> None:
        """Draw, and page back when the view nears the oldest candle held."""
        older = self.model.older_wanted(self.plot_width)
        if older is not None:
            self.request_history(older[0], before=older[1])
        self._redraw()

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

    def action_screenshot_svg(self) -> None:
        """Save an SVG of the screen in the pictures directory (`screenshot_dir`) and show its path."""
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
        name = f"tuichart-{self.model.selected}-{self.model.interval.value}-{stamp}.svg"
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
        try:
            opened = await self.browser.open(self.model.current_key, self.model.watchlist)
        except OSError as exc:
            self.notify(
                f"cannot serve the popout on 127.0.0.1:{self.options.popout_port}: {exc.strerror}", severity="error"
            )
            return
        server = self.browser.server
        assert server is not None
        self.push_screen(PopoutScreen(server.url, server.ssh_hint(), opened))
