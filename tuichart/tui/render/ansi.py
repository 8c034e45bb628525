"""Fast ANSI decoding of plotext's output straight to Strips (rich's general decoder is slow)."""

from __future__ import annotations

import re
from functools import lru_cache

from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

_SGR = re.compile(r"\x1b\[([0-9;]*)m")
_ATTRS = {1: "bold", 2: "dim", 3: "italic", 4: "underline", 5: "blink", 7: "reverse", 9: "strike"}
Colour = tuple[int, ...]  # (n,) for the 256-colour palette, (r, g, b) for truecolor
State = tuple[Colour | None, Colour | None, frozenset[str]]


def ansi_to_strips(ansi: str, width: int) -> list[Strip]:
    """One Strip per line, each exactly `width` cells: what a line-API widget returns, with no Text in between."""
    strips: list[Strip] = []
    line: list[Segment] = []
    state: State = (None, None, frozenset())
    last = 0

    def add(chunk: str) -> None:
        nonlocal line
        parts = chunk.split("\n")
        for n, part in enumerate(parts):
            if n:
                strips.append(Strip(line).adjust_cell_length(width))
                line = []
            if part:
                line.append(Segment(part, _style(state)))

    for m in _SGR.finditer(ansi):
        if m.start() > last:
            add(ansi[last : m.start()])
        state = _apply(state, m.group(1))
        last = m.end()
    if last < len(ansi):
        add(ansi[last:])
    if line:
        strips.append(Strip(line).adjust_cell_length(width))
    return strips


@lru_cache(maxsize=1024)
def _apply(state: State, params: str) -> State:
    fg, bg, attrs = state
    codes = [int(c) if c else 0 for c in params.split(";")]
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0:
            fg, bg, attrs = None, None, frozenset()
        elif c in _ATTRS:
            attrs = attrs | {_ATTRS[c]}
        elif c in (22, 23, 24, 25, 27, 29):
            off = {22: ("bold", "dim"), 23: ("italic",), 24: ("underline",), 25: ("blink",), 27: ("reverse",)}
            attrs = attrs - set(off.get(c, ("strike",)))
        elif c in (38, 48) and i + 1 < len(codes):
            if codes[i + 1] == 5 and i + 2 < len(codes):
                colour: Colour | None = (codes[i + 2],)
                i += 2
            elif codes[i + 1] == 2 and i + 4 < len(codes):
                colour = (codes[i + 2], codes[i + 3], codes[i + 4])
                i += 4
            else:
                colour = None
            fg, bg = (colour, bg) if c == 38 else (fg, colour)
        elif 30 <= c <= 37 or 90 <= c <= 97:
            fg = (c - 30 if c < 90 else c - 82,)
        elif 40 <= c <= 47 or 100 <= c <= 107:
            bg = (c - 40 if c < 100 else c - 92,)
        elif c == 39:
            fg = None
        elif c == 49:
            bg = None
        i += 1
    return fg, bg, attrs


@lru_cache(maxsize=1024)
def _style(state: State) -> Style | None:
    fg, bg, attrs = state
    if fg is None and bg is None and not attrs:
        return None
    return Style(
        color=_colour(fg),
        bgcolor=_colour(bg),
        **{a: True for a in attrs},  # type: ignore[arg-type]
    )


def _colour(c: Colour | None) -> Color | None:
    if c is None:
        return None
    return Color.from_ansi(c[0]) if len(c) == 1 else Color.from_rgb(*c)
