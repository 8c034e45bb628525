"""Candles and bars sampled into points, and the ANSI decoder, against what they replace."""

from __future__ import annotations

import numpy as np
from plotext._figure import _figure_class
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

from tuichart.tui.render.ansi import ansi_to_strips
from tuichart.tui.render.cells import bar_points, candle_points, spans


def test_spans_cover_each_range_at_the_step_and_end_on_the_top() -> None:
    xs, ys = spans(np.array([0, 3]), np.array([10.0, 5.0]), np.array([11.0, 5.0]), 0.25)
    assert xs == [0, 0, 0, 0, 0, 3]
    assert ys == [10.0, 10.25, 10.5, 10.75, 11.0, 5.0]  # a zero-height span is still one point


def test_candles_split_into_up_and_down_wicks_and_bodies() -> None:
    o = np.array([10.0, 12.0, np.nan])
    h = np.array([13.0, 12.5, 1.0])
    lo = np.array([9.0, 10.0, 1.0])
    c = np.array([12.0, 11.0, 1.0])
    p = candle_points(o, h, lo, c, 1.0)
    assert set(p["up_wick"][0]) == {0} and min(p["up_wick"][1]) == 9.0 and max(p["up_wick"][1]) == 13.0
    assert p["up_body"] == ([0, 0, 0], [10.0, 11.0, 12.0])
    assert set(p["down_wick"][0]) == {1} and max(p["down_wick"][1]) == 12.5
    assert p["down_body"] == ([1, 1], [11.0, 12.0])  # the NaN candle is skipped


def test_bars_fill_from_the_base_either_way() -> None:
    xs, ys = bar_points(np.array([2.0, -1.0, np.nan]), 0.0, 1.0)
    assert list(zip(xs, ys, strict=True)) == [(0, 0.0), (0, 1.0), (0, 2.0), (1, -1.0), (1, 0.0)]


def test_ansi_decoder_gives_the_same_styled_segments_as_rich() -> None:
    fig = _figure_class()
    fig.plotsize(90, 12)
    fig.theme("dark")
    fig.scatter([1, 2, 3], [1, 2, 3], marker="█", color=(10, 200, 30))
    fig.plot([1, 2, 3], [3, 2, 1], marker="hd", color=(200, 0, 0))
    fig.yticks([1, 2, 3], ["a", "b", "c"])
    ansi = fig.build() + "\n\x1b[1;4;31mbold red\x1b[0m plain \x1b[48;5;200mpink\x1b[0m"
    console = Console(width=120, color_system="truecolor")
    rich_lines = Segment.split_and_crop_lines(Text.from_ansi(ansi).render(console), 120, include_new_lines=False)
    strips = ansi_to_strips(ansi, 120)

    def cells(segments: object) -> list[tuple[str, Style]]:  # no style and an empty style draw the same
        return [(seg.text, seg.style or Style()) for seg in Segment.simplify(segments)]  # type: ignore[arg-type]

    assert [cells(strip) for strip in strips] == [cells(line) for line in rich_lines]
    assert len(strips) == 14 and all(strip.cell_length == 120 for strip in strips)


def test_a_pane_look_changes_only_when_a_value_moves_on_its_grid() -> None:
    from tuichart.tui.widgets.panes import PaneData, look

    close = np.linspace(100.0, 110.0, 50)
    ohlc = {"open": close - 0.5, "high": close + 1, "low": close - 1, "close": close}
    ema = close - 0.2

    def pane(version: int, last_close: float, last_ema: float) -> PaneData:
        c = {k: v.copy() for k, v in ohlc.items()}
        c["close"][-1] = last_close
        e = ema.copy()
        e[-1] = last_ema
        return PaneData(version, candles=c, lines=(("ema", e, (1, 2, 3)),), count=50, y_range=(95.0, 115.0))

    base = look(pane(1, 110.0, 109.8), rows=10)  # 10 rows x 8 = a grid step of 0.25
    assert look(pane(2, 110.01, 109.81), rows=10) == base  # a tick within the step: same picture
    assert look(pane(3, 110.3, 109.8), rows=10) != base  # the forming close moved a step
    assert look(pane(4, 110.0, 109.3), rows=10) != base  # an overlay moved
    assert look(pane(1, 110.0, 109.8), rows=10) == look(pane(5, 110.0, 109.8), rows=10)  # the version alone is not
