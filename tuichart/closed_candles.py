"""Closed candles of one series, oldest first, held as rows of numbers: 88 bytes a candle instead of about 420 as
Python objects, so a recorder of thousands of series holds its warm-up windows in a tenth of the memory."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import numpy as np

from tuichart.domain import CANDLE_FIELDS, Candle

_INTEGERS = frozenset({"open_time", "close_time", "trades"})
ROW = np.dtype([(name, np.int64 if name in _INTEGERS else np.float64) for name in CANDLE_FIELDS])
"""One candle's numbers in Binance's order (its decimal text is the store's business, not kept here)."""

OHLCV = ("open", "high", "low", "close", "volume")


class ClosedCandles(Sequence[Candle]):
    """A sequence of candles whose items are made on reading; appending and trimming the oldest are amortised O(1).

    Rows `[lo, hi)` of a buffer with a quarter more room than it needed when last made: trimming moves `lo`, and
    the rows move to a new buffer only when the room runs out, or when trimming left most of it unused.
    """

    __slots__ = ("_hi", "_lo", "_opens", "_rows")
    _rows: np.ndarray
    _opens: np.ndarray
    _lo: int
    _hi: int

    def __init__(self, candles: Iterable[Candle] = ()) -> None:
        """The candles in open-time order."""
        self._set(_pack(sorted(candles, key=lambda c: c.open_time)))

    def __len__(self) -> int:
        return self._hi - self._lo

    @overload
    def __getitem__(self, i: int) -> Candle: ...
    @overload
    def __getitem__(self, i: slice) -> list[Candle]: ...
    def __getitem__(self, i: int | slice) -> Candle | list[Candle]:
        if isinstance(i, slice):
            return [Candle(*row) for row in self._rows[self._lo : self._hi][i].tolist()]
        return Candle(*self._rows[self._lo + self._index(i)].item())

    def __iter__(self) -> Iterator[Candle]:
        return (Candle(*row) for row in self._rows[self._lo : self._hi].tolist())

    def __setitem__(self, i: int, candle: Candle) -> None:
        self._rows[self._lo + self._index(i)] = candle.numbers()

    @property
    def last_open(self) -> int | None:
        """Open time of the newest candle."""
        return int(self._opens.item(self._hi - 1)) if self._hi > self._lo else None

    def open_times(self) -> np.ndarray:
        """Every candle's open time (a view: valid until the next change)."""
        return self._opens[self._lo : self._hi]

    def position(self, open_time: int) -> int:
        """Where a candle opening at `open_time` is, or would be inserted."""
        return int(np.searchsorted(self.open_times(), open_time))

    def column(self, name: str, start: int = 0, stop: int | None = None) -> np.ndarray:
        """One field of candles [start, stop) as a contiguous array of its own."""
        return np.ascontiguousarray(self._rows[name][self._lo : self._hi][start:stop])

    def ohlcv(self) -> dict[str, np.ndarray]:
        """Open, high, low, close and volume of every candle, as indicators take them."""
        return {name: self.column(name) for name in OHLCV}

    def append(self, candle: Candle) -> None:
        """Add a candle newer than all held."""
        self._room(1)
        self._rows[self._hi] = candle.numbers()
        self._hi += 1

    def extend(self, candles: Sequence[Candle]) -> None:
        """Add candles newer than all held, oldest first."""
        self._room(len(candles))
        self._rows[self._hi : self._hi + len(candles)] = _pack(candles)
        self._hi += len(candles)

    def insert(self, i: int, candle: Candle) -> None:
        """Put a candle at position i (a late candle between two held ones)."""
        self._set(np.insert(self._rows[self._lo : self._hi], i, _pack([candle])))

    def prepend(self, candles: Sequence[Candle]) -> None:
        """Put candles older than all held before them, oldest first."""
        self._set(np.concatenate([_pack(candles), self._rows[self._lo : self._hi]]))

    def drop_older(self, keep: int) -> None:
        """Forget all but the newest `keep` candles; a buffer far larger than that is shrunk."""
        if len(self) > keep:
            self._lo = self._hi - keep
            if len(self._rows) > _roomy(keep) * 3 // 2:
                self._set(self._rows[self._lo : self._hi], _roomy(keep))

    def _index(self, i: int) -> int:
        n = self._hi - self._lo
        if not -n <= i < n:
            raise IndexError("candle index out of range")
        return i + n if i < 0 else i

    def _room(self, more: int) -> None:
        """Make room for `more` rows after the newest."""
        if self._hi + more > len(self._rows):
            self._set(self._rows[self._lo : self._hi], _roomy(len(self) + more))

    def _set(self, rows: np.ndarray, capacity: int | None = None) -> None:
        """Hold these rows, in a buffer of `capacity` rows (just enough by default)."""
        n = len(rows)
        self._rows = np.empty(max(capacity or n, n), ROW)
        self._rows[:n] = rows
        self._opens = self._rows["open_time"]  # a view, read on every push
        self._lo, self._hi = 0, n


def _roomy(n: int) -> int:
    """A buffer's size for n rows and a quarter more to grow into."""
    return n + n // 4 + 8


def _pack(candles: Sequence[Candle]) -> np.ndarray:
    """The candles' numbers as rows."""
    return np.array([c.numbers() for c in candles], ROW) if candles else np.empty(0, ROW)
