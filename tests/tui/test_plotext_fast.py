"""The NumPy line helpers give exactly what plotext's own give, and the panes use them."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tuichart.tui.render import plotext_fast

coords = st.lists(st.tuples(st.integers(-50, 400), st.integers(-50, 120)), min_size=0, max_size=60)


@settings(max_examples=300, deadline=None)
@given(coords)
def test_get_lines_matches_plotext(points: list[tuple[int, int]]) -> None:
    x, y = [p[0] for p in points], [p[1] for p in points]
    markers, colours = ["hd"] * len(x), [(n, 0, 0) for n in range(len(x))]
    if len(x) < 1:
        return  # plotext's own fails on no points; it is never called so
    assert plotext_fast.get_lines(x, y, markers, colours) == plotext_fast._original["get_lines"](
        x, y, markers, colours
    )


@settings(max_examples=300, deadline=None)
@given(coords.filter(bool))
def test_hd_group_matches_plotext(points: list[tuple[int, int]]) -> None:
    x, y = [p[0] for p in points], [p[1] for p in points]
    factors = [2] * len(x)
    ours = plotext_fast.hd_group(x, y, factors, factors)
    theirs = plotext_fast._original["hd_group"](x, y, factors, factors)
    assert (list(ours[0]), list(ours[1]), list(ours[2])) == (list(theirs[0]), list(theirs[1]), list(theirs[2]))


def test_unusual_input_goes_to_plotext() -> None:
    """Missing values and other marker sizes keep plotext's own behaviour."""
    x, y = [0, None, 4], [1, 2, None]
    assert plotext_fast.get_lines(x, y, ["hd"] * 3) == plotext_fast._original["get_lines"](x, y, ["hd"] * 3)
    braille = ([0, 3, 5], [0, 7, 2], [2, 2, 2], [4, 4, 4])
    assert plotext_fast.hd_group(*braille) == plotext_fast._original["hd_group"](*braille)


def test_the_panes_draw_with_them() -> None:
    import plotext._utility as ut

    import tuichart.tui.widgets.panes  # noqa: F401 - installs them

    assert ut.get_lines is plotext_fast.get_lines and ut.hd_group is plotext_fast.hd_group
