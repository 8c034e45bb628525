"""Colours of the chart (TradingView's), as RGB tuples plotext and Rich both take."""

from __future__ import annotations

RGB = tuple[int, int, int]

UP: RGB = (38, 166, 154)
DOWN: RGB = (239, 83, 80)
CURSOR: RGB = (120, 123, 134)
LEVEL: RGB = (90, 94, 104)
ALERT: RGB = (255, 152, 0)

COLUMN_COLOURS: dict[str, RGB] = {
    "ema_12": (255, 193, 7),
    "ema_26": (41, 98, 255),
    "bb_upper": (156, 39, 176),
    "bb_middle": (186, 104, 200),
    "bb_lower": (156, 39, 176),
    "rsi": (126, 87, 194),
    "macd": (41, 98, 255),
    "macd_signal": (255, 109, 0),
    "stoch_k": (41, 98, 255),
    "stoch_d": (255, 109, 0),
    "sar": (200, 200, 200),
}
EXTRA: tuple[RGB, ...] = ((0, 188, 212), (233, 30, 99), (139, 195, 74), (255, 235, 59), (121, 85, 72))


def colour_of(column: str, index: int = 0) -> RGB:
    """A column's colour: the usual one for the defaults, a palette colour for the others."""
    return COLUMN_COLOURS.get(column, EXTRA[index % len(EXTRA)])


def hex_of(rgb: RGB) -> str:
    """#rrggbb for Rich styles."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)
