"""The scan screen's table: a line per symbol, only the lines in view drawn (thousands of rows cost nothing)."""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from tuichart.jobs.scan import HEADERS, cell, row_fields
from tuichart.tui.model.scan_view import ScanView

WIDTHS = {"symbol": 13, "last": 15, "change": 8, "volume": 8, "rsi": 7, "bb": 7, "macd": 14, "stoch": 7, "candles": 8}
"""Each column's width (the note takes the rest)."""


def header_line(sort: str) -> Text:
    """The column titles, the sorted one marked with its direction."""
    text = Text(no_wrap=True, overflow="ellipsis", style="bold")
    name = sort.lstrip("-")
    for column, title in HEADERS.items():
        mark = ("▼" if sort.startswith("-") else "▲") if column == name else ""
        label = f"{title}{mark}"
        width = WIDTHS.get(column)
        padded = label if width is None else label.ljust(width) if column == "symbol" else label.rjust(width - 1) + " "
        text.append(padded, style="reverse" if column == name else "")
    return text


def row_line(values: dict[str, object], selected: bool) -> Text:
    """One symbol's line."""
    text = Text(no_wrap=True, overflow="ellipsis", style="reverse" if selected else "")
    for column, value in values.items():
        shown = cell(column, value)
        width = WIDTHS.get(column)
        if width is None:
            text.append(shown, style="dim")
            continue
        style = ""
        if column == "change" and isinstance(value, float) and shown != "-":
            style = "green" if value > 0 else "red" if value < 0 else ""
        elif column == "rsi" and isinstance(value, float) and shown != "-":
            style = "red" if value >= 70 else "green" if value <= 30 else ""
        text.append(shown.ljust(width) if column == "symbol" else shown.rjust(width - 1) + " ", style=style)
    return text


class ScanTable(Widget):
    """Draws the view's rows around its cursor, a line at a time (no layout of text): the view is pushed down by
    the screen."""

    can_focus = True
    DEFAULT_CSS = "ScanTable { height: 1fr; }"

    def __init__(self, view: ScanView, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.view = view
        self.top = 0
        self._lines: list[Text] = []

    def refresh_rows(self) -> None:
        """Lay out the lines in view again and redraw them."""
        view = self.view
        rows = view.shown()
        height = max(1, self.size.height - 1)
        self.top = min(max(self.top, view.cursor - height + 1), view.cursor)
        self.top = max(0, min(self.top, max(0, len(rows) - height)))
        lines = [header_line(view.sort)]
        shown = range(self.top, min(len(rows), self.top + height))
        lines += [row_line(row_fields(rows[i]), i == view.cursor) for i in shown]
        if not rows:
            lines.append(Text(_empty(view), style="dim"))
        self._lines = lines
        self.refresh()

    def on_resize(self) -> None:
        """More or fewer lines fit."""
        self.refresh_rows()

    def render_line(self, y: int) -> Strip:
        """Line `y` of the table (blank below the rows)."""
        width = self.size.width
        if y >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        base = self.rich_style  # the widget's colours under each cell's own
        segments = Segment.apply_style(self._lines[y].render(self.app.console), style=base)
        return Strip(segments).adjust_cell_length(width, base).simplify()


def _empty(view: ScanView) -> str:
    if not view.loaded:
        return "reading the market…"
    if view.text:
        return f"no symbol matches {view.text}"
    return f"no {view.interval.value} candles of a symbol quoted in {view.quote} are stored yet"
