"""The watchlist sidebar: symbol, last price, 24 h change, and optionally RSI."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable

from tuichart.ui.format import fmt_change, fmt_price
from tuichart.ui.palette import DOWN, UP, hex_of


@dataclass(slots=True)
class Quote:
    """What the watchlist shows for one symbol."""

    last: float = math.nan
    change_pct: float = math.nan
    rsi: float = math.nan


class Watchlist(DataTable[Text]):
    """Symbols with their quotes; moving the cursor asks the app to switch the chart."""

    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        # the table would scroll sideways or to its ends; on this screen these keys move the candle cursor
        Binding("left", "app.cursor(-1)", show=False),
        Binding("right", "app.cursor(1)", show=False),
        Binding("home", "app.cursor_home", show=False),
        Binding("end", "app.cursor_end", show=False),
    ]
    DEFAULT_CSS = """
    Watchlist { width: 38; height: 1fr; scrollbar-size-horizontal: 0; }
    """

    def __init__(self, *, id: str | None = None, show_rsi: bool = False) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False, show_cursor=True)
        self.show_rsi = show_rsi
        self.symbols: list[str] = []
        self._shown: dict[tuple[str, str], tuple[str, str]] = {}

    def on_mount(self) -> None:
        """Columns."""
        self.add_column("Symbol", key="symbol", width=9)
        self.add_column(Text("Last", justify="right"), key="last", width=12)
        self.add_column(Text("24h", justify="right"), key="change", width=8)
        if self.show_rsi:
            self.add_column(Text("RSI", justify="right"), key="rsi", width=5)

    def set_symbols(self, symbols: list[str], selected: str | None) -> None:
        """Rebuild the rows for this list of symbols, keeping the cursor on `selected`."""
        self.symbols = list(symbols)
        self._shown.clear()
        self.clear()
        for sym in symbols:
            cells = [Text(sym), Text("—", justify="right"), Text("—", justify="right")]
            if self.show_rsi:
                cells.append(Text("—", justify="right"))
            self.add_row(*cells, key=sym)
        if selected in self.symbols:
            self.move_cursor(row=self.symbols.index(selected), animate=False)

    def update_quote(self, symbol: str, quote: Quote) -> None:
        """Refresh one row's numbers."""
        if symbol not in self.symbols:
            return
        colour = hex_of(UP if quote.change_pct >= 0 else DOWN) if math.isfinite(quote.change_pct) else ""
        cells = {"last": (fmt_price(quote.last), ""), "change": (fmt_change(quote.change_pct), colour)}
        if self.show_rsi:
            cells["rsi"] = (f"{quote.rsi:.0f}" if math.isfinite(quote.rsi) else "—", "")
        for column, shown in cells.items():
            if self._shown.get((symbol, column)) != shown:  # any cell update repaints the whole table
                self._shown[(symbol, column)] = shown
                self.update_cell(symbol, column, Text(shown[0], style=shown[1], justify="right"))

    @property
    def highlighted(self) -> str | None:
        """The symbol under the cursor."""
        if not self.symbols or not 0 <= self.cursor_row < len(self.symbols):
            return None
        return self.symbols[self.cursor_row]
