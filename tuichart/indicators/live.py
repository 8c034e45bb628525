"""Indicators of one series on ticks: TA-Lib stream handles, `peek` on the forming candle, `update` on close."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from operator import attrgetter
from typing import Any, cast

import numpy as np

from tuichart.domain import Candle
from tuichart.indicators.batch import Arrays, arrays_from_candles, compute_columns, run_study
from tuichart.indicators.study import DEFAULT_STUDIES, Study
from tuichart.indicators.talib_module import load_talib

_talib = load_talib()
stream = _talib.stream
InsufficientHistory = _talib.InsufficientHistory


class _Slot:
    """One study's handle and how to feed it."""

    __slots__ = ("absolute", "handle", "inputs", "nan", "peek", "study", "update", "width")

    def __init__(self, study: Study, inputs: int) -> None:
        self.study = study
        self.inputs = inputs
        self.width = len(study.columns)
        self.nan = tuple(math.nan for _ in study.columns)
        self.absolute = study.indicator.absolute
        self.handle: Any = None
        self.peek: Callable[..., Any] | None = None
        self.update: Callable[..., Any] | None = None

    def open(self, arrays: Arrays) -> bool:
        """Open the stream handle on the history; False while there are too few candles."""
        ind = self.study.indicator
        try:
            self.handle = getattr(stream, ind.function)(*(arrays[n] for n in ind.inputs), **self.study.kwargs())
        except InsufficientHistory:
            return False
        self.peek, self.update = self.handle.peek, self.handle.update
        return True

    def value(self) -> tuple[float, ...]:
        """The handle's values for the newest candle it was given."""
        return self.flat(self.handle.value)

    def flat(self, v: Any) -> tuple[float, ...]:
        """A handle's result as a flat tuple in column order."""
        t = tuple(v) if isinstance(v, tuple) else (v,)
        return tuple(abs(x) for x in t) if self.absolute else t


class LiveIndicators:
    """Per symbol+interval indicator state: O(1) per tick once warmed up, batch-identical values."""

    def __init__(self, studies: Sequence[Study] = DEFAULT_STUDIES) -> None:
        self._configure(studies)

    def reconfigure(self, studies: Sequence[Study], closed: Sequence[Candle]) -> dict[str, np.ndarray]:
        """Switch to other studies (a changed parameter): recomputed from this history, no old state kept."""
        self._configure(studies)
        return self.reset(closed)

    def _configure(self, studies: Sequence[Study]) -> None:
        self.studies = tuple(studies)
        self.columns: tuple[str, ...] = tuple(c for s in self.studies for c in s.columns)
        signatures = list(dict.fromkeys(s.indicator.inputs for s in self.studies))
        self._getters = [_getter(sig) for sig in signatures]
        self._slots = [_Slot(s, signatures.index(s.indicator.inputs)) for s in self.studies]
        self._warming: list[Candle] = []
        self._streaming = False
        self._nan = tuple(math.nan for _ in self.columns)

    @property
    def ready(self) -> bool:
        """Whether every study has enough history to stream."""
        return self._streaming

    def reset(self, closed: Sequence[Candle]) -> dict[str, np.ndarray]:
        """Start over from this history (oldest first); returns the batch values for it."""
        return dict(zip(self.columns, self.reset_columns(closed), strict=True))

    def reset_columns(self, closed: Sequence[Candle], arrays: Arrays | None = None) -> list[np.ndarray]:
        """Start over from this history (oldest first; `arrays` its OHLCV when the caller has them); returns the
        batch values for it in column order."""
        arrays = arrays_from_candles(closed) if arrays is None else arrays
        values = compute_columns(arrays, self.studies)
        for slot in self._slots:
            slot.handle = slot.peek = slot.update = None
            if len(closed):
                slot.open(arrays)
        self._streaming = all(s.handle is not None for s in self._slots)
        self._warming = [] if self._streaming else list(closed)
        return values

    def peek(self, candle: Candle) -> tuple[float, ...]:
        """Values if the forming candle closed as it is now; changes no state."""
        if not _finite(candle):
            return self._nan
        if not self._streaming:
            return self._peek_warming(candle)
        args = [g(candle) for g in self._getters]
        out: list[float] = []
        for slot in self._slots:
            v = slot.peek(*args[slot.inputs])  # type: ignore[misc]
            if slot.width == 1:
                out.append(abs(v) if slot.absolute else v)
            else:
                out.extend(v)
        return tuple(out)

    def update(self, candle: Candle) -> tuple[float, ...]:
        """Commit a closed candle (the one after the last committed) and return its values."""
        if not _finite(candle):
            return self._nan
        if not self._streaming:
            return self._update_warming(candle)
        args = [g(candle) for g in self._getters]
        out: list[float] = []
        for slot in self._slots:
            v = slot.update(*args[slot.inputs])  # type: ignore[misc]
            if slot.width == 1:
                out.append(abs(v) if slot.absolute else v)
            else:
                out.extend(v)
        return tuple(out)

    def _update_warming(self, candle: Candle) -> tuple[float, ...]:
        """Until every handle has its minimum history: feed the open ones, try to open the others."""
        self._warming.append(candle)
        args = [g(candle) for g in self._getters]
        arrays: dict[str, np.ndarray] | None = None
        out: list[float] = []
        for slot in self._slots:
            if slot.handle is not None:
                out.extend(slot.flat(slot.update(*args[slot.inputs])))  # type: ignore[misc]
                continue
            arrays = arrays if arrays is not None else arrays_from_candles(self._warming)
            out.extend(slot.value() if slot.open(arrays) else slot.nan)
        self._streaming = all(s.handle is not None for s in self._slots)
        if self._streaming:
            self._warming = []
        return tuple(out)

    def _peek_warming(self, candle: Candle) -> tuple[float, ...]:
        """Peek while warming up: open handles peek, the others run in batch over the short history."""
        args = [g(candle) for g in self._getters]
        arrays = arrays_from_candles([*self._warming, candle])
        out: list[float] = []
        for slot in self._slots:
            if slot.handle is not None:
                out.extend(slot.flat(slot.handle.peek(*args[slot.inputs])))
            else:
                out.extend(float(o[-1]) for o in run_study(slot.study, arrays))
        return tuple(out)


def _getter(inputs: tuple[str, ...]) -> Callable[[Candle], tuple[float, ...]]:
    if len(inputs) == 1:
        one = attrgetter(inputs[0])
        return lambda c: (one(c),)
    return cast("Callable[[Candle], tuple[float, ...]]", attrgetter(*inputs))


def _finite(c: Candle) -> bool:
    # a sum is non-finite when any term is: one call instead of five
    return math.isfinite(c.open + c.high + c.low + c.close + c.volume)
