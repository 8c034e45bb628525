"""Which closed candles the feed has sent, which of them the store keeps, and where each series' unbroken run ends."""

from __future__ import annotations

from collections.abc import Callable

from tuichart.domain import Candle, SeriesKey


class SentCandles:
    """The closed candles sent and not yet known to be kept, each series' frontier, and the exchange's own gaps.

    `last_closed` gives a series' progress (its newest candle kept with every one before it); `stored` whether a
    candle past it is kept already.
    """

    def __init__(
        self, last_closed: Callable[[SeriesKey], int | None], stored: Callable[[SeriesKey, int], bool]
    ) -> None:
        self._last_closed = last_closed
        self._stored = stored
        self._emitted: dict[SeriesKey, dict[int, Candle]] = {}
        self._front: dict[SeriesKey, int] = {}
        self._pruned: dict[SeriesKey, int] = {}
        self._absent: dict[SeriesKey, dict[int, int]] = {}

    @property
    def held(self) -> int:
        """Closed candles sent and not yet known to be kept, held in memory."""
        return sum(map(len, self._emitted.values()))

    def open_times(self, key: SeriesKey) -> list[int]:
        """Open times of the series' candles sent and not yet known to be kept."""
        return list(self._emitted.get(key, {}))

    def accept(self, key: SeriesKey, candle: Candle) -> bool:
        """True when this closed candle is new (or revises one sent and not yet known to be kept): it is sent."""
        t = candle.open_time
        emitted = self._emitted.setdefault(key, {})
        prev = emitted.get(t)
        if prev is not None:
            if prev == candle:
                return False
        else:
            base = self._last_closed(key)
            if (base is not None and t <= base) or self._stored(key, t):
                return False
        emitted[t] = candle
        if key not in self._front and self._last_closed(key) is None:
            self._front[key] = t  # nothing known before: the series starts here
        return True

    def absent(self, key: SeriesKey, first: int, last: int) -> None:
        """The exchange has no candles opening in [first, last]."""
        self._absent.setdefault(key, {})[first] = last

    def frontier(self, key: SeriesKey) -> int | None:
        """The newest candle with every one before it kept, on its way to be kept, or absent at the exchange."""
        base = self._last_closed(key)
        front = self._front.get(key)
        if base is not None and (front is None or base > front):
            front = base
        if front is None:
            return None
        emitted, absent = self._emitted.get(key, {}), self._absent.get(key, {})
        while True:
            t = key.interval.next_open(front)
            if t in emitted or self._stored(key, t):
                front = t
            elif t in absent:
                front = absent[t]
            else:
                break
        self._front[key] = front
        self.forget_kept(key)
        return front

    def forget_kept(self, key: SeriesKey) -> bool:
        """Let go of the candles sent that the store keeps for good; True when none but the newest is held."""
        base, emitted = self._last_closed(key), self._emitted.get(key, {})
        if base is not None and base > self._pruned.get(key, base - 1):
            self._pruned[key] = base
            # made anew, not deleted from: a dict keeps the table of its largest size (a page: 37 KB a series)
            emitted = self._emitted[key] = {t: c for t, c in emitted.items() if t >= base}
        return len(emitted) <= 1
