"""Which candles are on screen: zoom (how many), pan (how far back) and the cursor. Pure arithmetic."""

from __future__ import annotations

from dataclasses import dataclass

MIN_VISIBLE = 10


@dataclass(slots=True)
class Viewport:
    """A window of `count` candles ending `offset` candles before the newest; `cursor` indexes all candles."""

    count: int = 120
    offset: int = 0
    cursor: int | None = None
    """None follows the newest candle."""

    def window(self, total: int, width: int) -> tuple[int, int]:
        """[start, end) of the drawable candles shown, at most one per column of `width`."""
        count = max(1, min(self.count, width, total))
        end = max(count, total - self.offset) if total else 0
        end = min(end, total)
        return max(0, end - count), end

    def cursor_index(self, total: int) -> int:
        """The candle under the cursor (the newest when following)."""
        if self.cursor is None or self.cursor >= total:
            return total - 1
        return max(0, self.cursor)

    def zoom(self, factor: float, width: int) -> None:
        """Show `factor` times as many candles (clamped to what fits)."""
        self.count = max(MIN_VISIBLE, min(width, round(min(self.count, width) * factor)))

    def pan(self, candles: int, total: int) -> None:
        """Move the window back (positive) or forward through history."""
        self.offset = max(0, min(max(0, total - MIN_VISIBLE), self.offset + candles))

    def move_cursor(self, candles: int, total: int, width: int) -> None:
        """Move the cursor, scrolling the window to keep it in view."""
        if total == 0:
            return
        index = max(0, min(total - 1, self.cursor_index(total) + candles))
        self.cursor = None if index == total - 1 and self.offset == 0 else index
        start, end = self.window(total, width)
        if index < start:
            self.offset += start - index
        elif index >= end:
            self.offset = max(0, self.offset - (index - end + 1))
        if self.cursor == total - 1 and self.offset == 0:
            self.cursor = None

    def home(self, total: int, width: int) -> None:
        """Cursor to the oldest candle held."""
        self.move_cursor(-total, total, width)

    def end(self) -> None:
        """Back to the newest candle, following it."""
        self.cursor = None
        self.offset = 0

    def shift(self, added_front: int) -> None:
        """Older candles were prepended: keep the same candles in view."""
        if self.cursor is not None:
            self.cursor += added_front
