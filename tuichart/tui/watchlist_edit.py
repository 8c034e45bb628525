"""Adding and removing watchlist symbols: the model, the widget, the engine, the popout and the config follow."""

from __future__ import annotations

from tuichart.tui.base import AppBase
from tuichart.tui.screens.modals import AddSymbolScreen
from tuichart.tui.widgets.watchlist import Watchlist


class WatchlistEditing(AppBase):
    """The `a` and `d` keys."""

    def action_add_symbol(self) -> None:
        """Search the exchange's trading symbols and add one."""

        async def done(symbol: str | None) -> None:
            if symbol is not None:
                await self.add_to_watchlist(symbol)

        self.push_screen(AddSymbolScreen(self.model.trading, self.model.watchlist), done)

    async def add_to_watchlist(self, symbol: str) -> bool:
        """Add a trading symbol to the watchlist, streamed from now on; True when it was added."""
        if not self.model.add_symbol(symbol):
            return False
        if self.engine is not None and self.model.connected:
            await self.engine.add_symbol(symbol, self.model.interval)
        self._watchlist_changed()
        self.notify(f"added {symbol}")
        return True

    async def action_remove_symbol(self) -> None:
        """Remove the highlighted symbol from the watchlist."""
        symbol = self.query_one(Watchlist).highlighted
        if symbol is None:
            return
        if len(self.model.watchlist) == 1:
            self.notify("the watchlist needs at least one symbol", severity="warning")
            return
        shown_changed = self.model.remove_symbol(symbol)
        if self.engine is not None:
            await self.engine.remove_symbol(symbol)
        if shown_changed:
            self._show_current()
        self._watchlist_changed()
        self.notify(f"removed {symbol}")

    def _watchlist_changed(self) -> None:
        """The widget, the popout's list, the `*` alert rules and the config file follow the watchlist."""
        self.query_one(Watchlist).set_symbols(self.model.watchlist, self.model.selected)
        self.browser.set_symbols(self.model.watchlist)
        if self.engine is not None:
            self.engine.set_rules(self.alert_book.rules, self.model.watchlist)
        self._stream_alert_series()
        self._save(watchlist=self.model.watchlist)
