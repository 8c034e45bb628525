"""What the running app shows, read off its widgets as a person reads the terminal: lines of text (and colours)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

from textual.app import App
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from tuichart.tui.render.palette import ALERT
from tuichart.tui.widgets.legend import Legend
from tuichart.tui.widgets.panes import ChartPane
from tuichart.tui.widgets.status import StatusBar
from tuichart.tui.widgets.watchlist import Watchlist

AnyApp = App[int] | App[None]
CANDLE_GLYPHS = ("█", "│")
LEGEND_TIME = re.compile(r"\d{4}-\d\d-\d\d(?: \d\d:\d\d(?::\d\d)?)?")


def strips(widget: Widget) -> list[Strip]:
    """The lines a widget paints at its current size (its padding and border too)."""
    size = widget.outer_size
    return widget.render_lines(Region(0, 0, size.width, size.height))


def lines(widget: Widget) -> list[str]:
    """The text a widget shows, line by line, without trailing blanks."""
    return [strip.text.rstrip() for strip in strips(widget)]


def text(widget: Widget) -> str:
    """The text a widget shows."""
    return "\n".join(lines(widget))


def screen_text(app: AnyApp) -> str:
    """The text of every widget on the active screen that paints something of its own (a modal's words)."""
    return "\n".join(text(w) for w in app.screen.query("Static, OptionList, Label").results(Widget))


def rules_shown(app: AnyApp) -> list[str]:
    """The alert rules the alerts screen lists, one line each (empty when it lists none)."""
    shown = [line.strip(" ▊▎▔▁") for line in lines(app.screen.query_one("#rules", Widget))]
    return [line for line in shown if line and not line.startswith("no rules yet")]


def legend_lines(app: AnyApp) -> list[str]:
    """The legend over the chart: the candle under the cursor, then the indicator values at it."""
    return [line.strip() for line in lines(app.query_one(Legend))]


def status_text(app: AnyApp) -> str:
    """The status bar at the bottom."""
    return text(app.query_one(StatusBar)).strip()


def stored_shown(app: AnyApp) -> int:
    """The count of stored candles the status bar shows (-1 when it shows none)."""
    m = re.search(r"(\d+) candles? stored", status_text(app))
    return int(m.group(1)) if m else -1


@dataclass(frozen=True)
class LegendCandle:
    """The candle the legend shows, as the text it shows it with."""

    series: str
    time: str
    forming: bool
    open: str
    high: str
    low: str
    close: str
    volume: str


def legend_candle(app: AnyApp) -> LegendCandle | None:
    """The candle in the legend's first line, or None while it shows none."""
    head = legend_lines(app)[0] if legend_lines(app) else ""
    m = re.match(
        r"(?P<series>\S+ \S+(?: HA)?)  (?P<time>[\d: -]+?)(?P<forming> \(forming\))?  O (?P<open>\S+)  "
        r"H (?P<high>\S+)  L (?P<low>\S+)  C (?P<close>\S+)  V (?P<volume>\S+)",
        head,
    )
    if m is None:
        return None
    g = m.groupdict()
    return LegendCandle(
        g["series"], g["time"], g["forming"] is not None, g["open"], g["high"], g["low"], g["close"], g["volume"]
    )


def number(shown: str) -> float:
    """A number as the app writes it (thousands separators, a sign, a percent)."""
    return float(shown.replace(",", "").rstrip("%"))


def watchlist_rows(app: AnyApp) -> dict[str, tuple[str, str]]:
    """The watchlist's rows in order: symbol -> (last price, 24 h change) as shown."""
    rows: dict[str, tuple[str, str]] = {}
    for line in lines(app.query_one(Watchlist))[1:]:
        cells = line.split()
        if len(cells) >= 3:
            rows[cells[0]] = (cells[1], cells[2])
    return rows


def highlighted(app: AnyApp) -> str | None:
    """The watchlist row painted with the cursor's colours."""
    table = app.query_one(Watchlist)
    cursor = table.get_component_rich_style("watchlist--cursor").bgcolor
    for strip in strips(table)[1:]:
        cells = strip.text.split()
        if cells and any(seg.style is not None and seg.style.bgcolor == cursor for seg in strip if seg.text.strip()):
            return cells[0]
    return None


def pane(app: AnyApp, name: str) -> ChartPane:
    """A chart pane by name: candles, volume, rsi, macd, stoch."""
    return app.query_one(f"#pane-{name}", ChartPane)


def candles_drawn(app: AnyApp) -> bool:
    """The candle pane shows candles."""
    return any(g in line for line in lines(pane(app, "candles")) for g in CANDLE_GLYPHS)


def axis_labels(app: AnyApp) -> list[str]:
    """The time labels under the lowest pane shown, left to right."""
    shown = [p for p in app.query(ChartPane).results(ChartPane) if p.display]
    bottom = lines(shown[-1])[-1] if shown else ""
    return re.findall(r"\d\d \d\d:\d\d|\d\d:\d\d:\d\d|[A-Z][a-z]{2} \d\d|\d{4}-\d\d", bottom)


def minutes(label: str) -> int:
    """A `DD HH:MM` or `Mon DD` axis label, or a `YYYY-MM-DD HH:MM` legend time, as minutes (of the month)."""
    if LEGEND_TIME.fullmatch(label):
        t = dt.datetime.fromisoformat(label)
        return (t.day * 24 + t.hour) * 60 + t.minute
    day, hm = label.split()
    if ":" not in hm:  # a midnight: `Nov 24`
        return int(hm) * 24 * 60
    hours, mins = hm.split(":")
    return (int(day) * 24 + int(hours)) * 60 + int(mins)


def candles_in_view(app: AnyApp) -> int:
    """How many 1m candles the chart shows, from the first axis label to the candle in the legend."""
    shown = legend_candle(app)
    assert shown is not None
    return minutes(shown.time) - minutes(axis_labels(app)[0]) + 1


def alert_rows(app: AnyApp, name: str = "candles") -> list[int]:
    """Rows of a pane where an alert level is drawn (a horizontal line in the alert colour)."""
    rows = []
    for y, strip in enumerate(strips(pane(app, name))):
        for seg in strip:
            colour = seg.style.color if seg.style is not None else None
            if "─" in seg.text and colour is not None and colour.triplet is not None and tuple(colour.triplet) == ALERT:
                rows.append(y)
                break
    return rows


def price_between(app: AnyApp, row: int, name: str = "candles") -> tuple[float, float]:
    """The prices of the labelled rows of a pane's y axis just above and below `row`."""
    labelled = {}
    for y, line in enumerate(lines(pane(app, name))):
        m = re.match(r"\s*(-?[\d,]+\.?\d*)\s", line + " ")
        if m:
            labelled[y] = number(m.group(1))
    above = max((y for y in labelled if y <= row), default=None)
    below = min((y for y in labelled if y >= row), default=None)
    assert above is not None and below is not None, (row, labelled)
    return labelled[below], labelled[above]


def chart_shown(
    app: AnyApp, symbol: str = "BTCUSDT", interval: str = "1m", *, forming: bool = True
) -> Callable[[], bool]:
    """True once the chart of this series is on screen, live, with its history stored and drawn; with `forming`,
    the legend shows the forming candle (the cursor at the live edge)."""
    head = re.compile(rf"{symbol} {interval}(?: HA)?  \d{{4}}-[\d: -]+{' [(]forming[)]' if forming else ''}")

    def shown() -> bool:
        legend = legend_lines(app)
        return (
            bool(legend)
            and head.match(legend[0]) is not None
            and "● live" in status_text(app)
            and stored_shown(app) > 0
            and candles_drawn(app)
        )

    shown.__name__ = f"the {symbol} {interval} chart"
    return shown
