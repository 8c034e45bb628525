"""The watchlist sidebar: symbol, last price, 24 h change, and optionally RSI; one cached line per row."""

from __future__ import annotations

import math

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tuichart.tui.model.quote import Quote
from tuichart.tui.render.format import fmt_change, fmt_price
from tuichart.tui.render.palette import DOWN, UP, hex_of

SYMBOL_WIDTH, LAST_WIDTH, CHANGE_WIDTH, RSI_WIDTH = 10, 14, 10, 5


Cells = tuple[str, str, str, str]
"""last, change, change colour, rsi: the text a row shows."""
EMPTY: Cells = ("—", "—", "", "—")


class Watchlist(ScrollView, can_focus=True):
    """Symbols with their quotes; moving the cursor posts Highlighted, Enter or a click posts Selected.

    A quote change repaints its own line only (rows are Strips cached by what they show).
    """

    BINDINGS = [
        Binding("j,down", "move(1)", "Down", show=False),
        Binding("k,up", "move(-1)", "Up", show=False),
        Binding("enter", "select", "Show", show=False),
        # on this screen these keys move the candle cursor
        Binding("left", "app.cursor(-1)", show=False),
        Binding("right", "app.cursor(1)", show=False),
        Binding("home", "app.cursor_home", show=False),
        Binding("end", "app.cursor_end", show=False),
    ]
    COMPONENT_CLASSES = {"watchlist--header", "watchlist--cursor"}
    DEFAULT_CSS = """
    Watchlist { width: 38; height: 1fr; scrollbar-size-horizontal: 0; }
    Watchlist > .watchlist--header { text-style: bold; }
    Watchlist > .watchlist--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground; text-style: $block-cursor-text-style;
    }
    Watchlist:blur > .watchlist--cursor {
        background: $block-cursor-blurred-background; color: $block-cursor-blurred-foreground;
    }
    """

    class Highlighted(Message):
        """The cursor moved onto a symbol."""

        def __init__(self, symbol: str) -> None:
            super().__init__()
            self.symbol = symbol

    class Selected(Message):
        """A symbol was chosen (Enter or a click)."""

        def __init__(self, symbol: str) -> None:
            super().__init__()
            self.symbol = symbol

    def __init__(self, *, id: str | None = None, show_rsi: bool = False) -> None:
        super().__init__(id=id)
        self.show_rsi = show_rsi
        self.symbols: list[str] = []
        self.cursor_row = 0
        self._cells: dict[str, Cells] = {}
        self._lines: dict[tuple[object, ...], Strip] = {}

    @property
    def highlighted(self) -> str | None:
        """The symbol under the cursor."""
        return self.symbols[self.cursor_row] if 0 <= self.cursor_row < len(self.symbols) else None

    def set_symbols(self, symbols: list[str], selected: str | None) -> None:
        """Show this list of symbols, keeping the cursor on `selected`."""
        self.symbols = list(symbols)
        self._cells = {s: self._cells.get(s, EMPTY) for s in self.symbols}
        self.cursor_row = self.symbols.index(selected) if selected in self.symbols else 0
        self.virtual_size = Size(self._row_width(), len(self.symbols) + 1)
        self.refresh()

    def update_quote(self, symbol: str, quote: Quote) -> None:
        """Show a symbol's new numbers (its line repaints only if what it shows changed)."""
        if symbol not in self._cells:
            return
        colour = hex_of(UP if quote.change_pct >= 0 else DOWN) if math.isfinite(quote.change_pct) else ""
        rsi = f"{quote.rsi:.0f}" if math.isfinite(quote.rsi) else "—"
        cells = (fmt_price(quote.last), fmt_change(quote.change_pct), colour, rsi)
        if cells != self._cells[symbol]:
            self._cells[symbol] = cells
            self._refresh_row(self.symbols.index(symbol))

    def action_move(self, step: int) -> None:
        """Move the cursor and say so."""
        self._move_to(self.cursor_row + step)

    def action_select(self) -> None:
        """Choose the symbol under the cursor."""
        if self.highlighted is not None:
            self.post_message(self.Selected(self.highlighted))

    def on_click(self, event: events.Click) -> None:
        """A click on a row selects it."""
        row = event.y + int(self.scroll_offset.y) - 1
        if 0 <= row < len(self.symbols):
            self._move_to(row)
            self.action_select()

    def render_line(self, y: int) -> Strip:
        """Line y: the header, then one row per symbol."""
        width = self.scrollable_content_region.width
        if y == 0:
            return self._line(("header",), width)
        row = y - 1 + int(self.scroll_offset.y)
        if row >= len(self.symbols):
            return Strip.blank(width, self.rich_style)
        return self._line((self.symbols[row], self._cells[self.symbols[row]], row == self.cursor_row), width)

    def _line(self, what: tuple[object, ...], width: int) -> Strip:
        key = (*what, width, self.has_focus, self.app.theme)
        strip = self._lines.get(key)
        if strip is None:
            if len(self._lines) > 4096:
                self._lines.clear()
            strip = self._build_line(what, width)
            self._lines[key] = strip
        return strip

    def _build_line(self, what: tuple[object, ...], width: int) -> Strip:
        base = self.rich_style
        if what == ("header",):
            header = self.get_component_rich_style("watchlist--header")
            texts = [("Symbol", ""), ("Last", ""), ("24h", "")] + ([("RSI", "")] if self.show_rsi else [])
            return self._row(texts, base + header, width)
        symbol, cells, under_cursor = what
        assert isinstance(cells, tuple)
        last, change, colour, rsi = cells
        style = base + self.get_component_rich_style("watchlist--cursor") if under_cursor else base
        texts = [(str(symbol), ""), (last, ""), (change, colour)] + ([(rsi, "")] if self.show_rsi else [])
        return self._row(texts, style, width)

    def _row(self, texts: list[tuple[str, str]], style: Style, width: int) -> Strip:
        widths = [SYMBOL_WIDTH, LAST_WIDTH, CHANGE_WIDTH, RSI_WIDTH]
        segments = [Segment(" ", style)]
        for i, (text, colour) in enumerate(texts):
            cell = text.ljust(widths[i]) if i == 0 else text.rjust(widths[i])
            segments.append(Segment(cell, style + Style(color=colour) if colour else style))
        return Strip(segments).adjust_cell_length(width, style)

    def _row_width(self) -> int:
        return 1 + SYMBOL_WIDTH + LAST_WIDTH + CHANGE_WIDTH + (RSI_WIDTH if self.show_rsi else 0)

    def _move_to(self, row: int) -> None:
        row = max(0, min(len(self.symbols) - 1, row))
        if row == self.cursor_row or not self.symbols:
            return
        old, self.cursor_row = self.cursor_row, row
        self._refresh_row(old)
        self._refresh_row(row)
        # the line above too: the header covers the top line of the scrolled content
        self.scroll_to_region(Region(0, row, self._row_width(), 2), animate=False, force=True)
        self.post_message(self.Highlighted(self.symbols[row]))

    def _refresh_row(self, row: int) -> None:
        y = row + 1 - int(self.scroll_offset.y)
        if y >= 1:
            self.refresh(Region(0, y, self.size.width, 1))
