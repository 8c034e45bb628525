"""The alerts screen (rules and what fired) and the small form that adds a rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from tuichart.alerts.duration import format_duration
from tuichart.alerts.rules import AlertRule, next_rule_id
from tuichart.domain import FiredAlert, ms_to_datetime
from tuichart.errors import TuichartError

FIRED_SHOWN = 12


def rule_line(rule: AlertRule) -> Text:
    """One rule as a row: id, symbol, interval, condition, cooldown, when evaluated."""
    text = Text(no_wrap=True, overflow="ellipsis")
    text.append(f"{rule.id:<10} ", style="bold")
    text.append(f"{rule.symbol:<10} {rule.interval.code:<4} ")
    text.append(f"{rule.when:<42} ", style="cyan")
    text.append(f"cooldown {format_duration(rule.cooldown_ms)}, on {rule.on}", style="dim")
    return text


def fired_text(fired: Sequence[FiredAlert]) -> Text:
    """The newest fired alerts, one per line."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if not fired:
        text.append("nothing has fired yet", style="dim")
    for alert in fired[:FIRED_SHOWN]:
        when = ms_to_datetime(alert.fired_at).strftime("%m-%d %H:%M:%S")
        text.append(f"{when}  ", style="dim")
        text.append(f"{alert.rule_id:<10} ", style="bold")
        text.append(f"{alert.symbol} {alert.interval} {alert.condition}", style="yellow")
        text.append(f"  value {alert.value:.10g}, price {alert.price:.10g} ({alert.source})\n", style="dim")
    return text


class AlertsScreen(ModalScreen[None]):
    """The alert rules with keys to add and remove them, and the alerts fired lately."""

    BINDINGS = [
        Binding("escape,q", "dismiss", "Close"),
        Binding("n", "new", "New rule"),
        Binding("d,delete", "remove", "Remove rule"),
    ]
    DEFAULT_CSS = """
    AlertsScreen { align: center middle; }
    AlertsScreen > Vertical { width: 110; max-width: 100%; height: auto; max-height: 100%;
                              border: round $accent; background: $surface; padding: 0 1; }
    AlertsScreen OptionList { height: auto; max-height: 12; }
    AlertsScreen .title { margin-top: 1; text-style: bold; }
    """

    @dataclass
    class Added(Message):
        """The user filled in a new rule."""

        rule: AlertRule

    @dataclass
    class Removed(Message):
        """The user removed a rule."""

        rule_id: str

    def __init__(self, rules: Sequence[AlertRule], fired: Sequence[FiredAlert], symbol: str, interval: str) -> None:
        super().__init__()
        self.rules = list(rules)
        self.fired = list(fired)
        self.symbol, self.interval = symbol, interval

    def compose(self) -> ComposeResult:
        """Rules above, fired alerts below, the keys at the bottom."""
        with Vertical():
            yield Label("Alert rules", classes="title")
            yield OptionList(id="rules")
            yield Label("Fired lately (newest first)", classes="title")
            yield Static(fired_text(self.fired), id="fired")
            yield Static(Text("n new rule · d remove the highlighted rule · Esc close", style="dim"))

    def on_mount(self) -> None:
        """Fill the rule list."""
        self.show_rules(self.rules)

    def show_rules(self, rules: Sequence[AlertRule]) -> None:
        """Show this list of rules (after one was added or removed)."""
        self.rules = list(rules)
        options = self.query_one("#rules", OptionList)
        options.clear_options()
        if self.rules:
            options.add_options([Option(rule_line(r), id=r.id) for r in self.rules])
            options.highlighted = 0
        else:
            options.add_option(Option(Text("no rules yet: press n to add one", style="dim"), disabled=True))

    def show_fired(self, fired: Sequence[FiredAlert]) -> None:
        """Show these fired alerts (newest first)."""
        self.fired = list(fired)
        self.query_one("#fired", Static).update(fired_text(self.fired))

    def action_new(self) -> None:
        """Open the form for a new rule."""

        def done(rule: AlertRule | None) -> None:
            if rule is not None:
                self.post_message(self.Added(rule))

        self.app.push_screen(AlertFormScreen([r.id for r in self.rules], self.symbol, self.interval), done)

    def action_remove(self) -> None:
        """Remove the highlighted rule."""
        options = self.query_one("#rules", OptionList)
        if options.highlighted is None or not self.rules:
            return
        rule_id = options.get_option_at_index(options.highlighted).id
        if rule_id is not None:
            self.post_message(self.Removed(rule_id))


class AlertFormScreen(ModalScreen[AlertRule | None]):
    """Symbol, interval, condition, cooldown and tick evaluation of a new rule; Enter saves, Esc cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]
    DEFAULT_CSS = """
    AlertFormScreen { align: center middle; }
    AlertFormScreen > Vertical { width: 70; height: auto; border: round $accent; background: $surface; padding: 0 1; }
    AlertFormScreen Input { margin-bottom: 0; }
    AlertFormScreen #error { color: $error; height: auto; }
    """

    def __init__(self, taken: Sequence[str], symbol: str, interval: str) -> None:
        super().__init__()
        self.taken = list(taken)
        self.symbol, self.interval = symbol, interval

    def compose(self) -> ComposeResult:
        """One input per field."""
        with Vertical():
            yield Label("[b]New alert[/b]  (Enter saves, Esc cancels)")
            yield Input(self.symbol, placeholder="symbol, or * for the whole watchlist", id="symbol")
            yield Input(self.interval, placeholder="interval, e.g. 1m or 1h", id="interval")
            yield Input(placeholder="condition, e.g. price crosses above 100000 or rsi below 30", id="when")
            yield Input(placeholder="cooldown, e.g. 15m (empty: one candle)", id="cooldown")
            yield Checkbox("also on the forming candle (every tick)", id="tick")
            yield Static("", id="error")

    def on_mount(self) -> None:
        """The condition is what there is to type."""
        self.query_one("#when", Input).focus()

    @on(Input.Submitted)
    def _submit(self) -> None:
        value = {name: self.query_one(f"#{name}", Input).value.strip() for name in ("symbol", "interval", "when")}
        cooldown = self.query_one("#cooldown", Input).value.strip() or None
        on_tick = self.query_one("#tick", Checkbox).value
        try:
            rule = AlertRule.make(
                next_rule_id(self.taken),
                value["symbol"],
                value["interval"],
                value["when"],
                cooldown=cooldown,
                on="tick" if on_tick else "close",
            )
        except TuichartError as exc:
            self.query_one("#error", Static).update(str(exc))
            return
        self.dismiss(rule)
