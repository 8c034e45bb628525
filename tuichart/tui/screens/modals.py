"""Modal screens: the key help, adding a symbol with search, choosing panes."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

KEY_HELP: tuple[tuple[str, str], ...] = (
    ("j / k, ↓ / ↑", "move in the watchlist (the chart follows)"),
    ("Enter", "show the highlighted symbol now"),
    ("[ / ]", "previous / next interval (1s … 1M)"),
    ("1 … 9", "1m 5m 15m 30m 1h 4h 1d 1w 1M"),
    ("h / l, ← / →", "move the candle cursor"),
    ("H / L", "move the cursor 10 candles"),
    ("Home / End", "oldest candle held / back to the live edge"),
    ("+ / -", "zoom in / out"),
    ("< / >", "pan back / forward in history (older candles load as needed)"),
    ("i", "choose panes and overlays"),
    ("t", "Heikin-Ashi candles on / off"),
    ("a", "add a symbol (search the exchange's trading symbols)"),
    ("d", "remove the highlighted symbol"),
    ("s", "save an SVG screenshot"),
    ("o", "open the chart in a browser (URL and ssh -L line)"),
    ("A", "alerts: the rules (n adds, d removes) and what fired"),
    ("S", "market scan (s sorts, / filters, Enter opens the chart, a adds)"),
    ("?", "this help"),
    ("q, Ctrl+C", "quit"),
)


class HelpScreen(ModalScreen[None]):
    """Every key, in one table."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close")]
    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > Vertical { width: 76; height: auto; border: round $accent; background: $surface; padding: 1 2; }
    """

    def compose(self) -> ComposeResult:
        """The key table."""
        text = Text()
        for key, what in KEY_HELP:
            text.append(f"{key:<16}", style="bold cyan")
            text.append(f"{what}\n")
        text.append("\nEsc closes this help. Settings persist in the config file.", style="dim")
        with Vertical():
            yield Label("[b]tuichart keys[/b]")
            yield Static(text)


class AddSymbolScreen(ModalScreen[str | None]):
    """Type to search the exchange's TRADING symbols; Enter adds the highlighted one."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    AddSymbolScreen { align: center middle; }
    AddSymbolScreen > Vertical { width: 40; height: 20; border: round $accent; background: $surface; padding: 0 1; }
    AddSymbolScreen OptionList { height: 1fr; }
    """
    LIMIT = 200

    def __init__(self, symbols: Sequence[str], present: Sequence[str]) -> None:
        super().__init__()
        self.symbols = [s for s in symbols if s not in set(present)]

    def compose(self) -> ComposeResult:
        """A search box over a list."""
        with Vertical():
            yield Label("Add a symbol" if self.symbols else "No symbol list yet (offline?)")
            yield Input(placeholder="e.g. ADA or PEPEUSDT", id="query")
            yield OptionList(*self._options(""), id="matches")

    def _options(self, query: str) -> list[Option]:
        q = query.strip().upper()
        starts = [s for s in self.symbols if s.startswith(q)]
        inside = [s for s in self.symbols if q in s and not s.startswith(q)]
        return [Option(s, id=s) for s in (starts + inside)[: self.LIMIT]]

    @on(Input.Changed, "#query")
    def _filter(self, event: Input.Changed) -> None:
        matches = self.query_one("#matches", OptionList)
        matches.clear_options()
        matches.add_options(self._options(event.value))
        if matches.option_count:
            matches.highlighted = 0

    @on(Input.Submitted, "#query")
    def _submit(self, event: Input.Submitted) -> None:
        matches = self.query_one("#matches", OptionList)
        if matches.highlighted is not None and matches.option_count:
            self.dismiss(matches.get_option_at_index(matches.highlighted).id)
        elif event.value.strip().upper() in self.symbols:
            self.dismiss(event.value.strip().upper())

    @on(OptionList.OptionSelected, "#matches")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def key_down(self) -> None:
        """Arrow down from the search box moves in the list."""
        self.query_one("#matches", OptionList).action_cursor_down()

    def key_up(self) -> None:
        """Arrow up moves back."""
        self.query_one("#matches", OptionList).action_cursor_up()


PANE_LABELS = {"volume": "Volume", "ema": "EMA overlays", "bb": "Bollinger overlay", "stoch": "Stochastic"}


class PanesScreen(ModalScreen[frozenset[str] | None]):
    """Tick the panes and overlays to show; Enter applies."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel"), Binding("enter", "apply", "Apply", priority=True)]
    DEFAULT_CSS = """
    PanesScreen { align: center middle; }
    PanesScreen > Vertical { width: 40; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    PanesScreen SelectionList { height: auto; }
    """

    def __init__(self, choices: Sequence[str], shown: frozenset[str]) -> None:
        super().__init__()
        self.choices = list(choices)
        self.shown = shown

    def compose(self) -> ComposeResult:
        """The choices."""
        with Vertical():
            yield Label("Panes: space toggles, Enter applies")
            yield SelectionList[str](
                *(Selection(PANE_LABELS.get(name, name.upper()), name, name in self.shown) for name in self.choices)
            )

    def action_apply(self) -> None:
        """Close with the ticked set."""
        self.dismiss(frozenset(self.query_one(SelectionList).selected))


class PopoutScreen(ModalScreen[None]):
    """Where the browser popout is: the URL to open and the ssh line that reaches it from another machine."""

    BINDINGS = [Binding("escape,q,o,enter", "dismiss", "Close")]
    DEFAULT_CSS = """
    PopoutScreen { align: center middle; }
    PopoutScreen > Vertical { width: auto; max-width: 100%; height: auto; border: round $accent;
                              background: $surface; padding: 1 2; }
    PopoutScreen Static { width: auto; }
    """

    def __init__(self, url: str, ssh_hint: str, opened: bool) -> None:
        super().__init__()
        self.url, self.ssh_hint, self.opened = url, ssh_hint, opened

    def compose(self) -> ComposeResult:
        """The URL and the tunnel, each on a line of its own so a terminal selection copies it whole."""
        text = Text()
        text.append("Open in a browser on this machine:\n", style="dim")
        text.append(f"{self.url}\n\n", style="bold")
        text.append("From another machine, tunnel first, then open the same URL there:\n", style="dim")
        text.append(f"{self.ssh_hint}\n\n", style="bold")
        note = "Opened in your browser. " if self.opened else ""
        text.append(f"{note}The page follows this chart. Esc closes this box; the page keeps working.", style="dim")
        with Vertical():
            yield Label("[b]browser popout[/b]")
            yield Static(text)
