"""In-memory candles of one series: the closed ones, oldest first, and the candle still forming."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence

from tuichart.closed_candles import ClosedCandles
from tuichart.domain import Candle, KlineEvent, SeriesKey


class Change(enum.Enum):
    """What applying an event did to a series."""

    FORMING = "forming"  # the forming candle moved
    CLOSED = "closed"  # a new closed candle was appended
    REVISED = "revised"  # an already closed candle got new values
    STALE = "stale"  # nothing: an update older than what the series holds


class Series:
    """Closed candles plus the forming one; `apply` is O(1) for live events. The closed candles are held as numbers
    (`ClosedCandles`): what is read back has no decimal text."""

    __slots__ = ("closed", "forming", "key")

    def __init__(self, key: SeriesKey, closed: Iterable[Candle] = ()) -> None:
        self.key = key
        self.closed = ClosedCandles(closed)
        self.forming: Candle | None = None

    def __len__(self) -> int:
        return len(self.closed)

    @property
    def last_closed_open(self) -> int | None:
        """Open time of the newest closed candle."""
        return self.closed.last_open

    def apply(self, event: KlineEvent) -> Change:
        """Fold a kline push (or a REST-reconciled closed candle) into the series."""
        c = event.candle
        last = self.closed.last_open
        if last is None or c.open_time > last:
            if event.closed:
                self.closed.append(c)
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
        i = self.closed.position(c.open_time)
        if i < len(self.closed) and self.closed[i].open_time == c.open_time:
            if self.closed[i] == c:
                return Change.STALE
            self.closed[i] = c
        else:
            self.closed.insert(i, c)
        return Change.REVISED

    def replace_closed(self, closed: Iterable[Candle]) -> None:
        """Hold these closed candles instead; the forming candle stays when it is newer than all of them."""
        self.closed = ClosedCandles(closed)
        last = self.closed.last_open
        if self.forming is not None and last is not None and self.forming.open_time <= last:
            self.forming = None

    def extend_closed(self, candles: Sequence[Candle]) -> None:
        """Append closed candles, oldest first, each newer than the last held (a backfilled page)."""
        self.closed.extend(candles)
        if self.forming is not None and candles and self.forming.open_time <= candles[-1].open_time:
            self.forming = None

    def drop_older(self, keep: int) -> None:
        """Forget all but the newest `keep` closed candles (long-running recorders stay bounded)."""
        self.closed.drop_older(keep)

    def extend_older(self, candles: Iterable[Candle]) -> int:
        """Prepend older closed candles (history paging back); returns how many were new."""
        first = self.closed[0].open_time if len(self.closed) else None
        older = sorted((c for c in candles if first is None or c.open_time < first), key=lambda c: c.open_time)
        self.closed.prepend(older)
        return len(older)
