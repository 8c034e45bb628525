"""The status bar: connection state, age of the last message, candles stored, store state, hidden panes."""

from __future__ import annotations

import math

from rich.text import Text
from textual.widgets import Static

from tuichart.plural import plural
from tuichart.tui.model.status import StatusData

_STATE_STYLE = {"live": "bold green", "reconnecting": "bold yellow", "offline": "bold red", "connecting": "yellow"}


class StatusBar(Static):
    """One line at the bottom."""

    DEFAULT_CSS = """
    StatusBar { height: 1; width: 1fr; background: $panel; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    def show(self, data: StatusData) -> None:
        """Redraw for this data (only when it changed)."""
        self.update(render_status(data), layout=False)  # fixed size: a relayout would repaint every widget


def render_status(d: StatusData) -> Text:
    """The status line as Rich text."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if d.demo:
        text.append(" DEMO ", style="bold black on yellow")
        text.append(" ")
    state = d.state
    if state == "reconnecting" and d.retry_in:
        state = f"reconnecting in {math.ceil(d.retry_in)} s"
    text.append("● ", style=_STATE_STYLE.get(d.state, ""))
    text.append(state, style=_STATE_STYLE.get(d.state, ""))
    if d.exchange:
        text.append(f" · {d.exchange}", style="dim")
    if d.quiet_for is not None:
        text.append(f" · no message for {d.quiet_for:.0f} s", style="yellow")
    if d.detail and d.state != "live":
        text.append(f" · {d.detail}", style="dim")
    if d.store == "recorder":  # the recorder stores every candle; this session keeps nothing itself
        text.append(" · via recorder", style="dim")
    else:
        text.append(f" · {plural(d.stored, 'candle')} stored", style="dim")
        text.append(f" · store {d.store}", style="dim" if d.store == "file" else "yellow")
    if d.dropped:
        text.append(f" · {plural(d.dropped, 'bad frame')} dropped", style="yellow")
    if d.hidden:
        text.append(f" · {d.hidden}", style="yellow")
    return text
