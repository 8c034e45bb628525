"""One series' candles and its indicator state, kept in step with kline pushes: O(1) per push once warmed up."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from tuichart.domain import Candle, KlineEvent, SeriesKey
from tuichart.indicators.live import LiveIndicators
from tuichart.indicators.study import DEFAULT_STUDIES, Study
from tuichart.series import Change, Series

IndicatorRow = tuple[int, tuple[float, ...]]
"""A candle's open time (ms) and its indicator values in the studies' column order."""


class IndicatorTrack:
    """The closed candles of a series plus TA-Lib stream state: `update` on close, `peek` on the forming candle.

    It holds the newest `keep` closed candles, or while a chart draws the series (`values` set) every candle
    the chart loaded, with each one's values. A revised or late closed candle recomputes the candles held, so no
    value comes from a stale state. Held candles are numbers without their decimal text (the store's business;
    indicators compute in float64): a long-running recorder of many series holds a small, fixed amount per series.
    """

    def __init__(
        self,
        key: SeriesKey,
        history: Sequence[Candle],
        *,
        keep: int,
        studies: Sequence[Study] = DEFAULT_STUDIES,
        charted: bool = False,
    ) -> None:
        """`charted`: a chart draws the series from the start (see `chart`)."""
        self.series = Series(key, history)
        self.live = LiveIndicators(studies)
        self.keep = keep
        self.values: list[list[float]] | None = [] if charted else None
        """While a chart draws the series: each column's value of every closed candle held, in column order."""
        self.forming_values: tuple[float, ...] | None = None
        """While a chart draws the series: the forming candle's values (peeked)."""
        self.version = 0
        """Counts the changes (a drawn picture is current while it is unchanged)."""
        self.last_row: IndicatorRow | None = None
        """The newest closed candle's values, from the warm-up history until a candle closes."""
        self._reset()

    @property
    def key(self) -> SeriesKey:
        """The series."""
        return self.series.key

    def apply(self, event: KlineEvent, *, peek: bool = False) -> tuple[Change, list[IndicatorRow]]:
        """Fold a push in; the rows it computed: a new closed candle's, every one recomputed since a revised
        candle, or (with `peek`) the forming candle's values as if it closed now."""
        candle = event.candle
        change = self.series.apply(event)
        if change is Change.CLOSED:
            row = self.live.update(candle)
            rows = [(candle.open_time, row)]
            if self.values is not None:
                for column, v in zip(self.values, row, strict=True):
                    column.append(v)
                self._peek_forming()
            elif len(self.series) > self.keep:
                self.series.drop_older(self.keep)
        elif change is Change.REVISED:
            rows = self._rows(self._reset(), candle.open_time)
        elif change is Change.FORMING and (peek or self.values is not None):
            values = self.live.peek(candle)
            if self.values is not None:
                self.forming_values = values
            self.version += 1
            return change, [(candle.open_time, values)] if peek else []
        else:
            if change is Change.FORMING:
                self.version += 1
            return change, []
        self.last_row = rows[-1]  # rows always run to the newest closed candle
        self.version += 1
        return change, rows

    # ---- what a chart asks for ------------------------------------------------------------------------

    def chart(self, *, recompute: bool = True) -> None:
        """Keep every candle and each one's values from now on (a chart draws the series); without `recompute` the
        values are filled by the caller's next `load` (one batch computation, not two)."""
        if self.values is None:
            self.values = []
            if recompute:
                self._reset()

    def release(self, keep: int) -> None:
        """No chart draws the series any more: hold the newest `keep` closed candles and no values."""
        self.values = self.forming_values = None
        self.keep = keep
        self.series.drop_older(keep)

    def load(self, candles: Iterable[Candle]) -> None:
        """Hold these closed candles too (a chart's history, or a longer warm-up); where both have a candle these
        win, and the candles held beyond them stay. Everything is recomputed."""
        merged = {c.open_time: c for c in self.series.closed}
        merged.update((c.open_time, c) for c in candles)
        self.series.replace_closed(merged.values())
        self._reset()

    def fold_closed(self, candles: Sequence[Candle]) -> list[IndicatorRow]:
        """Append closed candles, each newer than the last, in one batch computation (a backfilled page); their rows.
        The values equal folding them one by one, as a revision's recomputation does."""
        self.series.extend_closed(candles)
        rows = self._rows(self._reset(), candles[0].open_time)
        if self.values is None:
            self.series.drop_older(self.keep)
        return rows

    def extend_older(self, candles: Iterable[Candle]) -> int:
        """Prepend older closed candles (a chart paging back); returns how many were new."""
        added = self.series.extend_older(candles)
        if added:
            self._reset()
        return added

    # ---- computing ------------------------------------------------------------------------------------

    def _reset(self) -> list[np.ndarray]:
        """Recompute from the candles held; the batch values, in column order."""
        closed = self.series.closed
        columns = self.live.reset_columns(closed, closed.ohlcv())
        last = closed.last_open
        self.last_row = (last, tuple(float(c[-1]) for c in columns)) if last is not None else None
        if self.values is not None:
            self.values = [c.tolist() for c in columns]
            self._peek_forming()
        self.version += 1
        return columns

    def _peek_forming(self) -> None:
        forming = self.series.forming
        self.forming_values = self.live.peek(forming) if forming is not None else None

    def _rows(self, columns: list[np.ndarray], since: int) -> list[IndicatorRow]:
        closed = self.series.closed
        first = closed.position(since)
        matrix = np.column_stack(columns)[first:].tolist()
        return list(zip(closed.open_times()[first:].tolist(), map(tuple, matrix), strict=True))
