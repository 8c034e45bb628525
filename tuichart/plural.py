"""Counts with their noun in the right number for people: `1 candle`, `2 candles`."""

from __future__ import annotations


def plural(n: int, noun: str, many: str | None = None) -> str:
    """`n noun`, the noun in its plural form (`noun + "s"` unless `many` is given) when n is not 1."""
    return f"{n} {noun if n == 1 else many or noun + 's'}"
