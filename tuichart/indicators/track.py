"""One series' candles and its indicator state, kept in step with kline pushes: O(1) per push once warmed up."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec
import numpy as np

from tuichart.domain import Candle, KlineEvent, SeriesKey
from tuichart.indicators.live import LiveIndicators
from tuichart.indicators.study import DEFAULT_STUDIES, Study
from tuichart.series import Change, Series

IndicatorRow = tuple[int, tuple[float, ...]]
"""A candle's open time (ms) and its indicator values in the studies' column order."""


class IndicatorTrack:
    """The newest `keep` closed candles plus TA-Lib stream state: `update` on close, `peek` on the forming candle.

    A revised or late closed candle recomputes the candles held in memory, so no value comes from a stale state.
    Held candles drop their decimal text (the store's business; indicators compute in float64): a long-running
    recorder of many series then holds a fixed amount of memory per series.
    """

    def __init__(
        self, key: SeriesKey, history: Sequence[Candle], *, keep: int, studies: Sequence[Study] = DEFAULT_STUDIES
    ) -> None:
        self.series = Series(
            key, (msgspec.structs.replace(c, exact=None) if c.exact is not None else c for c in history)
        )
        self.live = LiveIndicators(studies)
        self.keep = keep
        values = self.live.reset(self.series.closed)
        self.last_row: IndicatorRow | None = (
            self._rows(values, self.series.closed[-1].open_time)[-1] if history else None
        )
        """The newest closed candle's values, from the warm-up history until a candle closes."""

    def apply(self, event: KlineEvent, *, peek: bool = False) -> tuple[Change, list[IndicatorRow]]:
        """Fold a push in; the rows it computed: a new closed candle's, every one recomputed since a revised
        candle, or (with `peek`) the forming candle's values as if it closed now."""
        candle = event.candle
        if event.closed and candle.exact is not None:
            event = KlineEvent(event.key, msgspec.structs.replace(candle, exact=None), True, event.event_time)
        change = self.series.apply(event)
        if change is Change.CLOSED:
            rows = [(candle.open_time, self.live.update(candle))]
            if len(self.series) > self.keep:
                self.series.drop_older(self.keep)
        elif change is Change.REVISED:
            rows = self._rows(self.live.reset(self.series.closed), candle.open_time)
        elif change is Change.FORMING and peek:
            return change, [(candle.open_time, self.live.peek(candle))]
        else:
            return change, []
        self.last_row = rows[-1]  # rows always run to the newest closed candle
        return change, rows

    def _rows(self, values: dict[str, np.ndarray], since: int) -> list[IndicatorRow]:
        closed = self.series.closed
        matrix = np.column_stack([values[c] for c in self.live.columns])
        return [(c.open_time, tuple(matrix[i].tolist())) for i, c in enumerate(closed) if c.open_time >= since]
