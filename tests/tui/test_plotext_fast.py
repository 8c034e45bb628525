"""The faster plotext steps give exactly what plotext's own give, and the panes use them."""

from __future__ import annotations

import math
import random
from typing import Any

import plotext._utility as ut
from hypothesis import given, settings
from hypothesis import strategies as st
from plotext._matrix import matrix_class

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


finite = st.floats(-1e6, 1e6, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(finite | st.integers(-10**6, 10**6), max_size=80), finite, finite, st.integers(1, 400))
def test_get_matrix_data_matches_plotext(data: list[float], a: float, b: float, bins: int) -> None:
    lim = [min(a, b), max(a, b)]
    if lim[1] - lim[0] < 1e-9:  # a range of subnormals overflows plotext itself (a chart's range is never one)
        lim[1] = lim[0] + 1.0
    assert plotext_fast.get_matrix_data(data, lim, bins) == plotext_fast._original["get_matrix_data"](data, lim, bins)


def test_get_matrix_data_matches_plotext_just_under_a_cell_edge() -> None:
    """Values whose cell position falls within 1e-8 of an integer, where plotext's rounding decides the cell."""
    rng = random.Random(7)
    lim, bins = [0.0, 3.0], 301  # a step of 1/100 per cell: v = 0.5 + 100 * x
    data = [(k - 0.5 + rng.choice([-1, 1]) * 10.0 ** -rng.randint(7, 12)) / 100 for k in range(300)]
    ours = plotext_fast.get_matrix_data(data, lim, bins)
    assert ours == plotext_fast._original["get_matrix_data"](data, lim, bins)
    edges = [0.5 + (bins - 1) * (x - lim[0]) / (lim[1] - lim[0]) for x in data]
    assert sum(math.floor(v) != cell for v, cell in zip(edges, ours, strict=True)) > 50  # rounding mattered


def test_get_matrix_data_leaves_missing_values_to_plotext() -> None:
    data: list[Any] = [1.0, None, float("nan"), 3.5]
    assert plotext_fast.get_matrix_data(data, [0.0, 4.0], 9)[:2] == [2, None]


def with_steps(source: str) -> type:
    """plotext's matrix class with `set_matrices` and `insert_element` from `source`: "fast" or "plotext"."""
    steps = plotext_fast.__dict__ if source == "fast" else plotext_fast._original
    return type(source, (matrix_class,), {name: steps[name] for name in ("set_matrices", "insert_element")})


def random_matrix(rng: random.Random, cols: int, rows: int, cls: type) -> Any:
    """A plotext matrix with a canvas area, filled with markers in a few colours, styles and backgrounds."""
    colours: list[Any] = [ut.no_color, (255, 0, 0), (0, 128, 255), "red", 33]
    m = cls()
    m.set_size(cols, rows)
    m.set_axes_color(rng.choice(colours))
    m.set_canvas_area(rng.randint(0, cols // 2), rng.randint(cols // 2, cols), rng.randint(0, rows // 2), rows)
    m.set_canvas_color(rng.choice(colours))
    m.set_matrices()
    for _ in range(cols * rows // 3):
        m.insert_element(
            rng.randrange(-2, cols + 2),
            rng.randrange(-2, rows + 2),
            rng.choice("█│▚ x"),
            rng.choice([None, *colours]),
            rng.choice([None, ut.no_color, "bold"]),
            rng.choice([None, *colours]),
            rng.choice([False, True]),
        )
    return m


def test_matrix_steps_match_plotext() -> None:
    """set_matrices, insert_element and set_canvas, each against plotext's own on the same random drawing."""
    for seed in range(200):
        rng = random.Random(seed)
        cols, rows = rng.randint(0, 40), rng.randint(0, 12)
        ours = random_matrix(random.Random(seed), cols, rows, with_steps("fast"))
        theirs = random_matrix(random.Random(seed), cols, rows, with_steps("plotext"))
        for name in ("marker", "fullground", "background", "style"):
            assert getattr(ours, name) == getattr(theirs, name), (seed, name)
        assert plotext_fast.set_canvas(ours) == plotext_fast._original["set_canvas"](theirs), seed


def test_the_panes_draw_with_them() -> None:
    import tuichart.tui.widgets.panes  # noqa: F401 - installs them

    assert ut.get_lines is plotext_fast.get_lines and ut.hd_group is plotext_fast.hd_group
    assert ut.get_matrix_data is plotext_fast.get_matrix_data
    for name in ("set_canvas", "set_matrices", "insert_element"):
        assert getattr(matrix_class, name) is getattr(plotext_fast, name)
