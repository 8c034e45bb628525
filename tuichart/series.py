"""In-memory candles of one series: the closed ones, oldest first, and the candle still forming."""

from __future__ import annotations

import bisect
import enum
from collections.abc import Iterable

from tuichart.domain import Candle, KlineEvent, SeriesKey


class Change(enum.Enum):
    """What applying an event did to a series."""

    FORMING = "forming"  # the forming candle moved
    CLOSED = "closed"  # a new closed candle was appended
    REVISED = "revised"  # an already closed candle got new values
    STALE = "stale"  # nothing: an update older than what the series holds


class Series:
    """Closed candles plus the forming one; `apply` is O(1) for live events."""

    __slots__ = ("_opens", "closed", "forming", "key")

    def __init__(self, key: SeriesKey, closed: Iterable[Candle] = ()) -> None:
        self.key = key
        self.closed: list[Candle] = sorted(closed, key=lambda c: c.open_time)
        self._opens: list[int] = [c.open_time for c in self.closed]
        self.forming: Candle | None = None

    def __len__(self) -> int:
        return len(self.closed)

    @property
    def last_closed_open(self) -> int | None:
        """Open time of the newest closed candle."""
        return self._opens[-1] if self._opens else None

    def apply(self, event: KlineEvent) -> Change:
        """Fold a kline push (or a REST-reconciled closed candle) into the series."""
        c = event.candle
        last = self._opens[-1] if self._opens else None
        if last is None or c.open_time > last:
            if event.closed:
                self.closed.append(c)
                self._opens.append(c.open_time)
                if self.forming is not None and self.forming.open_time <= c.open_time:
                    self.forming = None
                return Change.CLOSED
            if self.forming is not None and c.open_time < self.forming.open_time:
                return Change.STALE
            self.forming = c
            return Change.FORMING
        if not event.closed:
            return Change.STALE
        return self._revise(c)

    def _revise(self, c: Candle) -> Change:
        i = bisect.bisect_left(self._opens, c.open_time)
        if i < len(self._opens) and self._opens[i] == c.open_time:
            if self.closed[i] == c:
                return Change.STALE
            self.closed[i] = c
        else:
            self.closed.insert(i, c)
            self._opens.insert(i, c.open_time)
        return Change.REVISED

    def replace_closed(self, closed: Iterable[Candle]) -> None:
        """Hold these closed candles instead; the forming candle stays when it is newer than all of them."""
        self.closed = sorted(closed, key=lambda c: c.open_time)
        self._opens = [c.open_time for c in self.closed]
        if self.forming is not None and self._opens and self.forming.open_time <= self._opens[-1]:
            self.forming = None

    def drop_older(self, keep: int) -> None:
        """Forget all but the newest `keep` closed candles (long-running recorders stay bounded)."""
        if len(self.closed) > keep:
            del self.closed[:-keep], self._opens[:-keep]

    def extend_older(self, candles: Iterable[Candle]) -> int:
        """Prepend older closed candles (history paging back); returns how many were new."""
        older = [c for c in candles if not self._opens or c.open_time < self._opens[0]]
        older.sort(key=lambda c: c.open_time)
        self.closed[:0] = older
        self._opens[:0] = [c.open_time for c in older]
        return len(older)
