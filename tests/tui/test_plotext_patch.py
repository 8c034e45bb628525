"""plotext's own drawing path runs through the faster steps when a pane is built, and never through the ones they
replace: a plotext release that stops calling them fails here rather than drawing slowly unnoticed. Each kind of
pane comes out the same, character for character and colour for colour, as plotext's own steps draw it."""

from __future__ import annotations

import dataclasses
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from types import CodeType, FrameType

import plotext._utility as ut
import pytest
from plotext._matrix import matrix_class
from textual.app import App, ComposeResult
from textual.strip import Strip

from tests.indicators.data import generated
from tuichart.domain import Interval, SeriesKey
from tuichart.engine.chart_data import ChartData
from tuichart.indicators import DEFAULT_STUDIES
from tuichart.tui.render import plotext_fast
from tuichart.tui.render.chart_view import build_view
from tuichart.tui.render.viewport import Viewport
from tuichart.tui.widgets.panes import ChartPane, PaneData

KEY = SeriesKey("BTCUSDT", Interval.M1)
WIDTH, HEIGHT = 120, 20
STEPS = tuple(plotext_fast._original)
FAST = {getattr(plotext_fast, name).__code__: f"fast {name}" for name in STEPS}
ORIGINAL = {f.__code__: f"plotext {name}" for name, f in plotext_fast._original.items()}
ON_CLASS = ("set_canvas", "set_matrices", "insert_element")
QUADRANTS = set("▘▝▖▗▀▄▌▐▚▞▙▛▜▟")


@contextmanager
def calls_into(codes: dict[CodeType, str]) -> Iterator[Counter[str]]:
    """Count calls of these functions however they are reached (a module attribute, a name bound elsewhere)."""
    seen: Counter[str] = Counter()
    before = sys.getprofile()

    def profile(frame: FrameType, event: str, arg: object) -> None:
        if event == "call" and frame.f_code in codes:
            seen[codes[frame.f_code]] += 1

    sys.setprofile(profile)
    try:
        yield seen
    finally:
        sys.setprofile(before)


class PaneApp(App[None]):
    """One chart pane, as the app lays its panes out."""

    def compose(self) -> ComposeResult:
        yield ChartPane(id="pane")


def panes() -> dict[str, PaneData]:
    """Every pane of a real series as the app builds them: candles with overlays, volume, the indicator panes."""
    chart = ChartData(KEY, DEFAULT_STUDIES, generated(6e4, n=600, flat=False))
    view = build_view(chart, Viewport(), WIDTH, frozenset(), version=1)
    assert len(view.candles.lines) == 5 and view.candles.count == WIDTH
    return {"candles": view.candles, "volume": view.volume, **view.panes}


def price_pane() -> PaneData:
    """The candle pane of a real series with its overlays (two EMAs, three Bollinger lines), as the app builds it."""
    return panes()["candles"]


def cells(strips: list[Strip]) -> list[str]:
    return [strip.text for strip in strips]


async def build(data: PaneData) -> list[Strip]:
    """The pane's picture for `data`, built by the widget inside a running Textual app."""
    app = PaneApp()
    async with app.run_test(size=(WIDTH, HEIGHT)) as pilot:
        await pilot.pause()
        pane = app.query_one(ChartPane)
        assert (pane.size.width, pane.size.height) == (WIDTH, HEIGHT)
        pane.show(data)
        return pane.picture()


async def test_a_pane_build_calls_the_faster_steps_not_plotexts() -> None:
    assert all(getattr(ut, name) is getattr(plotext_fast, name) for name in STEPS if name not in ON_CLASS)
    assert all(getattr(matrix_class, name) is getattr(plotext_fast, name) for name in ON_CLASS)
    data = price_pane()
    with calls_into(FAST | ORIGINAL) as seen:
        strips = await build(data)
    assert seen["fast get_lines"] == 5, seen  # one call per overlay line
    assert seen["fast hd_group"] == 5, seen
    assert seen["fast get_matrix_data"] >= 2 * 5, seen  # x and y of each line, then of the candles' points
    assert seen["fast set_matrices"] >= 1 and seen["fast set_canvas"] >= 1, seen
    assert seen["fast insert_element"] > WIDTH, seen  # at least one cell per column
    assert not [name for name in seen if name.startswith("plotext")], seen
    assert len(strips) == HEIGHT and QUADRANTS & set("".join(cells(strips)))  # the lines are on screen


@pytest.mark.parametrize("kind", ["candles", "volume", "rsi", "macd", "stoch"])
async def test_the_picture_is_the_one_plotexts_own_steps_draw(kind: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = dataclasses.replace(panes()[kind], cursor=WIDTH // 3)  # with the cursor's line across the pane
    fast = await build(data)
    for name, original in plotext_fast._original.items():
        monkeypatch.setattr(matrix_class if name in ON_CLASS else ut, name, original)
    with calls_into(FAST | ORIGINAL) as seen:
        own = await build(data)
    assert seen["plotext get_matrix_data"] >= 2 and seen["plotext set_canvas"] >= 1, seen  # the counter sees these
    assert not [name for name in seen if name.startswith("fast")], seen
    assert cells(fast) == cells(own)
    assert [list(s) for s in fast] == [list(s) for s in own]  # the same characters in the same colours
