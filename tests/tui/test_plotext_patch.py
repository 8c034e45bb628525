"""plotext's own drawing path runs through the NumPy line helpers when a pane is built, and never through the
helpers they replace: a plotext release that stops calling them fails here rather than drawing slowly unnoticed."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from types import CodeType, FrameType

import plotext._utility as ut
import pytest
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
FAST = {plotext_fast.get_lines.__code__: "fast get_lines", plotext_fast.hd_group.__code__: "fast hd_group"}
ORIGINAL = {f.__code__: f"plotext {name}" for name, f in plotext_fast._original.items()}
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


def price_pane() -> PaneData:
    """The candle pane of a real series with its overlays (two EMAs, three Bollinger lines), as the app builds it."""
    chart = ChartData(KEY, DEFAULT_STUDIES, generated(6e4, n=600, flat=False))
    view = build_view(chart, Viewport(), WIDTH, frozenset(), version=1)
    assert len(view.candles.lines) == 5 and view.candles.count == WIDTH
    return view.candles


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


async def test_a_pane_build_calls_the_numpy_helpers_not_plotexts() -> None:
    assert ut.get_lines is plotext_fast.get_lines and ut.hd_group is plotext_fast.hd_group
    data = price_pane()
    with calls_into(FAST | ORIGINAL) as seen:
        strips = await build(data)
    assert seen["fast get_lines"] == 5, seen  # one call per overlay line
    assert seen["fast hd_group"] == 5, seen
    assert seen["plotext get_lines"] == 0 and seen["plotext hd_group"] == 0, seen
    assert len(strips) == HEIGHT and QUADRANTS & set("".join(cells(strips)))  # the lines are on screen


async def test_the_picture_is_the_one_plotexts_own_helpers_draw(monkeypatch: pytest.MonkeyPatch) -> None:
    data = price_pane()
    fast = await build(data)
    monkeypatch.setattr(ut, "get_lines", plotext_fast._original["get_lines"])
    monkeypatch.setattr(ut, "hd_group", plotext_fast._original["hd_group"])
    with calls_into(FAST | ORIGINAL) as seen:
        own = await build(data)
    assert seen["plotext get_lines"] >= 5 and seen["plotext hd_group"] >= 5, seen  # the counter sees these too
    assert seen["fast get_lines"] == 0 and seen["fast hd_group"] == 0, seen
    assert cells(fast) == cells(own)
    assert [list(s) for s in fast] == [list(s) for s in own]  # the same characters in the same colours
