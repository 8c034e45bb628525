"""The header over the chart: symbol, interval, OHLCV of the candle under the cursor, indicator values."""

from __future__ import annotations

import math
from dataclasses import dataclass

from rich.text import Text
from textual.widgets import Static

from tuichart.domain import Candle, SeriesKey
from tuichart.tui.render.format import fmt_change, fmt_price, fmt_time, fmt_volume, price_decimals
from tuichart.tui.render.palette import DOWN, UP, hex_of


@dataclass(frozen=True, slots=True)
class LegendData:
    """What the legend shows, pushed down by the app."""

    key: SeriesKey | None = None
    candle: Candle | None = None
    forming: bool = False
    heikin_ashi: bool = False
    values: tuple[tuple[str, float, str, str], ...] = ()
    """(label, value, kind 'price'|'points'|'volume', colour hex)."""
    note: str = ""


class Legend(Static):
    """Two lines: the candle under the cursor, then the indicator values at it."""

    DEFAULT_CSS = """
    Legend { height: 2; width: 1fr; padding: 0 1; text-wrap: nowrap; text-overflow: ellipsis; }
    """

    _shown: LegendData | None = None

    def show(self, data: LegendData) -> None:
        """Redraw for this data (only when it changed)."""
        if data != self._shown:
            self._shown = data
            self.update(render_legend(data), layout=False)  # fixed size: a relayout would repaint every widget


def render_legend(d: LegendData) -> Text:
    """The legend as Rich text."""
    text = Text(no_wrap=True, overflow="ellipsis")
    if d.key is None:
        return text.append(d.note or "loading…", style="dim")
    text.append(f"{d.key.symbol} ", style="bold")
    text.append(f"{d.key.interval.value}", style="bold cyan")
    if d.heikin_ashi:
        text.append(" HA", style="bold magenta")
    c = d.candle
    if c is None:
        text.append(f"  {d.note or 'loading history…'}", style="dim")
        return text
    decimals = price_decimals(c.close)
    colour = hex_of(UP if c.close >= c.open else DOWN)
    text.append(f"  {fmt_time(c.open_time, d.key.interval)}{' (forming)' if d.forming else ''}", style="dim")
    for label, v in (("O", c.open), ("H", c.high), ("L", c.low), ("C", c.close)):
        text.append(f"  {label} ", style="dim")
        text.append(fmt_price(v, decimals), style=colour)
    text.append("  V ", style="dim")
    text.append(fmt_volume(c.volume))
    if c.open:
        text.append(f"  {fmt_change((c.close / c.open - 1) * 100)}", style=colour)
    if d.note:
        text.append(f"  {d.note}", style="yellow")
    text.append("\n")
    for label, value, kind, hexcolour in d.values:
        text.append(f"{label} ", style=hexcolour)
        if not math.isfinite(value):
            shown = "—"
        elif kind == "price":
            shown = fmt_price(value, max(decimals, price_decimals(abs(value) or c.close)))
        elif kind == "volume":
            shown = fmt_volume(value)
        else:
            shown = f"{value:.2f}"
        text.append(shown + "  ")
    return text
