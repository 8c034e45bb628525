"""One series as the app draws it: closed candles with their indicator values, plus the forming candle."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from tuichart.domain import Candle, KlineEvent, SeriesKey, revalued
from tuichart.indicators import LiveIndicators, Study, heikin_ashi_arrays
from tuichart.series import Change, Series


class ChartData:
    """Candles and indicator columns kept aligned: O(1) per live event, recomputed only on a revision."""

    def __init__(self, key: SeriesKey, studies: Sequence[Study], closed: Sequence[Candle] = ()) -> None:
        self.key = key
        self.series = Series(key, closed)
        self.live = LiveIndicators(studies)
        self.values: dict[str, list[float]] = {}
        self.forming_values: tuple[float, ...] | None = None
        self.more_history = True
        self.synced = False
        """True once the exchange filled in what the store lacked."""
        self.version = 0
        self._recompute()

    @property
    def columns(self) -> tuple[str, ...]:
        """Indicator columns, in study order."""
        return self.live.columns

    @property
    def studies(self) -> tuple[Study, ...]:
        """The studies computed."""
        return self.live.studies

    def __len__(self) -> int:
        """Candles drawable: the closed ones and the forming one."""
        return len(self.series.closed) + (self.series.forming is not None)

    def candle(self, i: int) -> Candle:
        """Candle i of the drawable sequence (the forming one last)."""
        closed = self.series.closed
        if i < len(closed):
            return closed[i]
        assert self.series.forming is not None
        return self.series.forming

    def value(self, column: str, i: int) -> float:
        """An indicator value of candle i (NaN during warm-up)."""
        if i < len(self.series.closed):
            return self.values[column][i]
        if self.forming_values is None:
            return math.nan
        return self.forming_values[self.columns.index(column)]

    def apply(self, event: KlineEvent) -> Change:
        """Fold a live event in and keep the indicator columns in step."""
        change = self.series.apply(event)
        if change is Change.FORMING:
            self.forming_values = self.live.peek(event.candle)
        elif change is Change.CLOSED:
            for column, v in zip(self.columns, self.live.update(event.candle), strict=True):
                self.values[column].append(v)
            self._peek_forming()
        elif change is Change.REVISED:
            self._recompute()
        if change is not Change.STALE:
            self.version += 1
        return change

    def extend_older(self, candles: Sequence[Candle]) -> int:
        """Prepend older closed candles (paging back); everything is recomputed from the new first candle."""
        added = self.series.extend_older(candles)
        if added:
            self._recompute()
        return added

    def window(self, start: int, end: int) -> dict[str, np.ndarray]:
        """OHLCV and indicator arrays of drawable candles [start, end)."""
        closed = self.series.closed
        candles = [self.candle(i) for i in range(start, end)]
        out = {
            "open": np.array([c.open for c in candles]),
            "high": np.array([c.high for c in candles]),
            "low": np.array([c.low for c in candles]),
            "close": np.array([c.close for c in candles]),
            "volume": np.array([c.volume for c in candles]),
        }
        stop = min(end, len(closed))
        for j, column in enumerate(self.columns):
            col = self.values[column][start:stop] if start < stop else []
            if end > len(closed):
                col = [*col, self.forming_values[j] if self.forming_values is not None else math.nan]
            out[column] = np.array(col, dtype=np.float64)
        return out

    def heikin_ashi(self, start: int, end: int) -> dict[str, np.ndarray]:
        """Heikin-Ashi open/high/low/close of drawable candles [start, end), seeded from the first candle held."""
        candles = [self.candle(i) for i in range(end)]
        arrays = [np.array([getattr(c, f) for c in candles]) for f in ("open", "high", "low", "close")]
        ha = heikin_ashi_arrays(*arrays)
        return {f: a[start:end] for f, a in zip(("open", "high", "low", "close"), ha, strict=True)}

    def heikin_ashi_candle(self, i: int) -> Candle:
        """Drawable candle i with its Heikin-Ashi open/high/low/close (volume and times as they are)."""
        return with_ohlc(self.candle(i), self.heikin_ashi(i, i + 1), 0)

    def _recompute(self) -> None:
        computed = self.live.reset(self.series.closed)
        self.values = {c: computed[c].tolist() for c in self.columns}
        self._peek_forming()
        self.version += 1

    def _peek_forming(self) -> None:
        forming = self.series.forming
        self.forming_values = self.live.peek(forming) if forming is not None else None


def with_ohlc(candle: Candle, ohlc: Mapping[str, np.ndarray], at: int) -> Candle:
    """The candle with open/high/low/close taken from row `at` of these arrays (volume and times kept)."""
    return revalued(
        candle,
        open=float(ohlc["open"][at]),
        high=float(ohlc["high"][at]),
        low=float(ohlc["low"][at]),
        close=float(ohlc["close"][at]),
    )
