"""What the scan screen shows: every symbol's scan row, their order and filter, the cursor (no Textual)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from tuichart.alerts.condition import parse_condition
from tuichart.domain import Interval
from tuichart.errors import TuichartError
from tuichart.jobs.scan import SORTABLE, ScanRow, sort_rows

QUOTES = ("USDT", "FDUSD", "USDC", "BTC", "ETH", "BNB", "TRY", "EUR")
_SYMBOL_TEXT = re.compile(r"^[A-Za-z0-9]+$")


def quote_of(symbol: str | None) -> str:
    """The quote asset a symbol is quoted in (USDT when none is recognised)."""
    return next((q for q in QUOTES if symbol and symbol.endswith(q) and len(symbol) > len(q)), "USDT")


@dataclass(slots=True)
class ScanView:
    """The rows of one quote asset at one interval, sorted by one column, kept by what was typed."""

    quote: str
    interval: Interval
    rows: list[ScanRow] = field(default_factory=list)
    sort: str = "-change"
    """A column of SORTABLE, `-` first for descending."""
    text: str = ""
    """What was typed in the filter: part of a symbol, or a condition in the alert grammar."""
    where: str | None = None
    """The condition typed, when the text is one (the rows are then those it holds for)."""
    error: str = ""
    cursor: int = 0
    loaded: bool = False
    _shown: list[ScanRow] | None = None

    def set_rows(self, rows: list[ScanRow]) -> None:
        """New rows (a refresh); the cursor stays on its symbol when it is still shown."""
        current = self.selected()
        self.rows, self._shown, self.loaded = rows, None, True
        if current is not None:
            self.cursor = next((i for i, r in enumerate(self.shown()) if r.symbol == current), self.cursor)
        self._clamp()

    def shown(self) -> list[ScanRow]:
        """The rows kept by a symbol filter, in the chosen order."""
        if self._shown is None:
            rows = self.rows
            if self.text and self.where is None:
                part = self.text.upper()
                rows = [r for r in rows if part in r.symbol]
            self._shown = sort_rows(rows, self.sort)
        return self._shown

    def set_filter(self, text: str) -> bool:
        """Filter by `text`; True when the condition changed (the rows must be read again)."""
        text = text.strip()
        before = self.where
        self.text, self.error, self._shown = text, "", None
        if not text or _SYMBOL_TEXT.match(text):
            self.where = None
        else:
            try:
                parse_condition(text)
                self.where = text
            except TuichartError as exc:
                self.where, self.error = None, str(exc)
        self._clamp()
        return self.where != before

    def sort_by(self, step: int) -> None:
        """The next (or previous) column as the order, largest first except for the symbol."""
        name = self.sort.lstrip("-")
        column = SORTABLE[(SORTABLE.index(name) + step) % len(SORTABLE)]
        self.sort = column if column == "symbol" else f"-{column}"
        self._shown = None

    def reverse(self) -> None:
        """The other direction."""
        self.sort = self.sort[1:] if self.sort.startswith("-") else f"-{self.sort}"
        self._shown = None

    def move(self, delta: int) -> None:
        """Move the cursor (clamped to the rows shown)."""
        self.cursor += delta
        self._clamp()

    def selected(self) -> str | None:
        """The symbol under the cursor."""
        shown = self.shown()
        return shown[self.cursor].symbol if 0 <= self.cursor < len(shown) else None

    def _clamp(self) -> None:
        self.cursor = max(0, min(self.cursor, len(self.shown()) - 1))
