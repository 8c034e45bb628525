"""Binance's 8-decimal text kept exact: integer units of 1e-8 and back, since a double keeps only ~16 digits."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

SCALE = 8
_ONE: int = 10**SCALE


def units8(text: str) -> int:
    """Units of 1e-8 of decimal text such as `80539283.67261260`; more places are rounded half-even."""
    if len(text) > SCALE + 1 and text[-SCALE - 1] == "." and "_" not in text:  # Binance's own: 8 places
        try:
            units = int(text[: -SCALE - 1] + text[-SCALE:])
        except ValueError:
            pass
        else:
            if text[-SCALE:].isdigit():
                return units
    whole, dot, frac = text.strip().partition(".")
    if dot and len(frac) <= SCALE and frac.isdigit() and (whole.lstrip("+-").isdigit() or whole in ("", "-", "+")):
        sign = -1 if whole.startswith("-") else 1
        return sign * (int(whole.lstrip("+-") or "0") * _ONE + int(frac.ljust(SCALE, "0")))
    if not dot and whole.lstrip("+-").isdigit():
        return int(whole) * _ONE
    try:
        value = Decimal(text).scaleb(SCALE).to_integral_value()
    except InvalidOperation:
        raise ValueError(f"not a decimal number: {text!r}") from None
    if not value.is_finite():
        raise ValueError(f"not a finite number: {text!r}")
    return int(value)


def units8_of(value: str | float | int) -> int:
    """Units of 1e-8 of a JSON value: decimal text exactly, a number by its shortest repr."""
    if isinstance(value, str):
        return units8(value)
    if isinstance(value, bool):
        raise ValueError(f"not a number: {value!r}")
    return units8(repr(value)) if isinstance(value, float) else int(value) * _ONE


def text8(units: int) -> str:
    """Units of 1e-8 as Binance writes them: `7195.24000000`."""
    sign = "-" if units < 0 else ""
    whole, frac = divmod(abs(units), _ONE)
    return f"{sign}{whole}.{frac:08d}"

