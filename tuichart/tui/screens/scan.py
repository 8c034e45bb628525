"""The market scan screen (`S`): a row per symbol, live, sorted by any column, filtered by a symbol or a condition."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static

from tuichart.plural import plural
from tuichart.tui.model.scan_view import ScanView
from tuichart.tui.widgets.scan_table import ScanTable


class ScanScreen(ModalScreen[None]):
    """The scan of one quote asset at the app's interval; the app refreshes it while it is open (modal: the chart's
    keys rest meanwhile)."""

    BINDINGS = [
        Binding("escape,S", "close", "Close"),
        Binding("enter", "open", "Chart"),
        Binding("a", "add", "Add"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "sort(1)", "Sort"),
        Binding("comma", "sort(-1)", "Sort back", show=False),
        Binding("r", "reverse", "Reverse"),
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "move(-1000000)", "First", show=False),
        Binding("end", "move(1000000)", "Last", show=False),
    ]
    DEFAULT_CSS = """
    ScanScreen { layout: vertical; background: $background; }
    ScanScreen #scan-title { height: 1; padding: 0 1; background: $panel; }
    ScanScreen #scan-filter { height: 3; }
    ScanScreen ScanTable { padding: 0 1; }
    """

    class Open(Message):
        """Show this symbol's chart (added to the watchlist when it is not on it)."""

        def __init__(self, symbol: str) -> None:
            super().__init__()
            self.symbol = symbol

    class Add(Message):
        """Add this symbol to the watchlist."""

        def __init__(self, symbol: str) -> None:
            super().__init__()
            self.symbol = symbol

    class Refilter(Message):
        """The condition typed changed: the rows are to be read again."""

    class Closed(Message):
        """The screen was closed."""

    def __init__(self, view: ScanView) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        """Title, filter, table, keys."""
        yield Static(id="scan-title")
        hint = "filter: part of a symbol, or a condition such as rsi < 30 (/ to type)"
        yield Input(placeholder=hint, id="scan-filter")
        yield ScanTable(self.view, id="scan-table")
        yield Footer()

    def on_mount(self) -> None:
        """The table has the keys; `/` goes to the filter."""
        self.query_one(ScanTable).focus()
        self.show()

    def show(self) -> None:
        """Draw the view as it is now."""
        view = self.view
        title = Text(no_wrap=True, overflow="ellipsis")
        title.append(f"Market scan · {view.quote} · {view.interval.value} · ", style="bold")
        shown = len(view.shown())
        title.append(plural(shown, "symbol") + (f" of {len(view.rows)}" if shown != len(view.rows) else ""))
        if view.where:
            title.append(f" · where {view.where}", style="cyan")
        if view.error:
            title.append(f" · {view.error}", style="yellow")
        self.query_one("#scan-title", Static).update(title)
        self.query_one(ScanTable).refresh_rows()

    @on(Input.Submitted, "#scan-filter")
    def _filtered(self, event: Input.Submitted) -> None:
        self.query_one(ScanTable).focus()

    @on(Input.Changed, "#scan-filter")
    def _typed(self, event: Input.Changed) -> None:
        if self.view.set_filter(event.value):
            self.post_message(self.Refilter())
        self.show()

    def action_close(self) -> None:
        """Leave the filter, or close the screen."""
        if self.query_one("#scan-filter", Input).has_focus:
            self.query_one(ScanTable).focus()
            return
        self.post_message(self.Closed())
        self.dismiss()

    def action_open(self) -> None:
        """The chart of the symbol under the cursor."""
        symbol = self.view.selected()
        if symbol is not None:
            self.post_message(self.Open(symbol))
            self.dismiss()

    def action_add(self) -> None:
        """Add the symbol under the cursor to the watchlist."""
        symbol = self.view.selected()
        if symbol is not None:
            self.post_message(self.Add(symbol))

    def action_filter(self) -> None:
        """Type a filter."""
        self.query_one("#scan-filter", Input).focus()

    def action_sort(self, step: int) -> None:
        """Sort by the next column."""
        self.view.sort_by(step)
        self.show()

    def action_reverse(self) -> None:
        """Reverse the order."""
        self.view.reverse()
        self.show()

    def action_move(self, delta: int) -> None:
        """Move the cursor."""
        self.view.move(delta)
        self.show()

    def action_page(self, pages: int) -> None:
        """Move the cursor a screenful."""
        self.view.move(pages * max(1, self.query_one(ScanTable).size.height - 2))
        self.show()
