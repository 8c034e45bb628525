"""Which panes fit the terminal: sub-panes collapse from the bottom up, then the watchlist, then a message."""

from __future__ import annotations

from dataclasses import dataclass, field

PANE_HEIGHTS = {"volume": 5, "macd": 8}
DEFAULT_PANE_HEIGHT = 7
CANDLES_MIN = 10
CHROME = 5  # legend (2), status bar, footer, a spare row
MIN_CHART_WIDTH = 40
WATCHLIST_WIDTH = 38


@dataclass(frozen=True, slots=True)
class Layout:
    """What is shown at this size, and what was given up."""

    fits: bool
    watchlist: bool
    panes: list[str] = field(default_factory=list)
    collapsed: list[str] = field(default_factory=list)
    message: str = ""


def plan_layout(width: int, height: int, wanted: list[str]) -> Layout:
    """Keep the candles at least CANDLES_MIN rows; drop the lowest sub-panes first (volume is dropped last)."""
    watchlist = width - WATCHLIST_WIDTH >= MIN_CHART_WIDTH + 20
    chart_width = width - (WATCHLIST_WIDTH if watchlist else 0)
    if chart_width < MIN_CHART_WIDTH or height < CHROME + CANDLES_MIN:
        need = f"{MIN_CHART_WIDTH}×{CHROME + CANDLES_MIN}"
        return Layout(False, False, [], list(wanted), f"Terminal too small ({width}×{height}); tuichart needs {need}.")
    panes = list(wanted)
    collapsed: list[str] = []
    order = [p for p in reversed(wanted) if p != "volume"] + (["volume"] if "volume" in wanted else [])
    while panes and height - CHROME - sum(PANE_HEIGHTS.get(p, DEFAULT_PANE_HEIGHT) for p in panes) < CANDLES_MIN:
        drop = order.pop(0)
        panes.remove(drop)
        collapsed.append(drop)
    hidden_list = [] if watchlist else ["watchlist"]
    return Layout(True, watchlist, panes, hidden_list + collapsed)
