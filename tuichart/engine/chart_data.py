"""One series as a chart draws it: closed candles with their indicator values, plus the forming candle."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from tuichart.closed_candles import OHLCV
from tuichart.domain import Candle, KlineEvent, SeriesKey, revalued
from tuichart.indicators import MIN_WARMUP, Study, heikin_ashi_arrays
from tuichart.indicators.track import IndicatorTrack
from tuichart.series import Change, Series


class ChartData:
    """A chart's view of one series' state (an `IndicatorTrack`): the candles and the chart's studies' columns.

    It holds no candles or indicator state of its own: the track, shared with the stored rows and the alert
    rules, keeps them aligned (O(1) per live push, recomputed only on a revision).
    """

    def __init__(self, key: SeriesKey, studies: Sequence[Study], closed: Sequence[Candle] = ()) -> None:
        """A chart over a track of its own (a snapshot, or a chart no engine feeds)."""
        self._view(IndicatorTrack(key, closed, keep=MIN_WARMUP, studies=studies, charted=True), studies)

    @classmethod
    def over(cls, track: IndicatorTrack, studies: Sequence[Study]) -> ChartData:
        """A chart of these studies over a track that computes them (among others)."""
        chart = cls.__new__(cls)
        chart._view(track, studies)
        return chart

    def _view(self, track: IndicatorTrack, studies: Sequence[Study]) -> None:
        track.chart()
        self.track = track
        self.key = track.key
        self.studies = tuple(studies)
        """The studies drawn."""
        offsets: dict[Study, int] = {}
        at = 0
        for study in track.live.studies:
            offsets.setdefault(study, at)
            at += len(study.columns)
        self._at = [offsets[s] + j for s in self.studies for j in range(len(s.columns))]
        self.columns = tuple(c for s in self.studies for c in s.columns)
        """Indicator columns, in study order."""
        self._index = {c: n for n, c in enumerate(self.columns)}
        self.more_history = True
        self.synced = False
        """True once the exchange filled in what the store lacked."""

    @property
    def series(self) -> Series:
        """The series' candles."""
        return self.track.series

    @property
    def version(self) -> int:
        """Counts the changes."""
        return self.track.version

    def __len__(self) -> int:
        """Candles drawable: the closed ones and the forming one."""
        series = self.track.series
        return len(series.closed) + (series.forming is not None)

    def candle(self, i: int) -> Candle:
        """Candle i of the drawable sequence (the forming one last)."""
        series = self.track.series
        if i < len(series.closed):
            return series.closed[i]
        assert series.forming is not None
        return series.forming

    def candles(self, start: int, end: int) -> list[Candle]:
        """Drawable candles [start, end): a slice of the closed ones, and the forming one when the range reaches it."""
        series = self.track.series
        candles = series.closed[start:end]
        if end > len(series.closed) and series.forming is not None:
            candles = [*candles, series.forming]
        return candles

    def value(self, column: str, i: int) -> float:
        """An indicator value of candle i (NaN during warm-up)."""
        k = self._at[self._index[column]]
        track = self.track
        if i < len(track.series.closed):
            assert track.values is not None
            return track.values[k][i]
        forming = track.forming_values
        return math.nan if forming is None else forming[k]

    def apply(self, event: KlineEvent) -> Change:
        """Fold a live event in (a chart no engine feeds)."""
        return self.track.apply(event)[0]

    def extend_older(self, candles: Sequence[Candle]) -> int:
        """Prepend older closed candles (paging back); everything is recomputed from the new first candle."""
        return self.track.extend_older(candles)

    def window(self, start: int, end: int) -> dict[str, np.ndarray]:
        """OHLCV and indicator arrays of drawable candles [start, end)."""
        track = self.track
        closed = track.series.closed
        out = self._prices(OHLCV, start, end)
        stop = min(end, len(closed))
        values = track.values
        assert values is not None
        forming = track.forming_values
        for column, k in zip(self.columns, self._at, strict=True):
            col = values[k][start:stop] if start < stop else []
            if end > len(closed):
                col = [*col, forming[k] if forming is not None else math.nan]
            out[column] = np.array(col, dtype=np.float64)
        return out

    def heikin_ashi(self, start: int, end: int) -> dict[str, np.ndarray]:
        """Heikin-Ashi open/high/low/close of drawable candles [start, end), seeded from the first candle held."""
        ha = heikin_ashi_arrays(*self._prices(OHLCV[:4], 0, end).values())
        return {f: a[start:end] for f, a in zip(OHLCV[:4], ha, strict=True)}

    def _prices(self, names: Sequence[str], start: int, end: int) -> dict[str, np.ndarray]:
        """These fields of drawable candles [start, end), as arrays."""
        series = self.track.series
        stop = min(end, len(series.closed))
        forming = series.forming if end > len(series.closed) else None
        out = {}
        for name in names:
            column = series.closed.column(name, start, stop) if start < stop else np.empty(0)
            out[name] = column if forming is None else np.append(column, getattr(forming, name))
        return out

    def heikin_ashi_candle(self, i: int) -> Candle:
        """Drawable candle i with its Heikin-Ashi open/high/low/close (volume and times as they are)."""
        return with_ohlc(self.candle(i), self.heikin_ashi(i, i + 1), 0)


def with_ohlc(candle: Candle, ohlc: Mapping[str, np.ndarray], at: int) -> Candle:
    """The candle with open/high/low/close taken from row `at` of these arrays (volume and times kept)."""
    return revalued(
        candle,
        open=float(ohlc["open"][at]),
        high=float(ohlc["high"][at]),
        low=float(ohlc["low"][at]),
        close=float(ohlc["close"][at]),
    )
