"""Indicators over whole arrays of candles: one TA-Lib call per study, outputs as float64 with NaN warm-up."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from tuichart.domain import Candle
from tuichart.indicators.study import DEFAULT_STUDIES, Study
from tuichart.indicators.talib_module import load_talib

if TYPE_CHECKING:
    import polars as pl

talib = load_talib()

Arrays = Mapping[str, np.ndarray]


def arrays_from_frame(frame: pl.DataFrame) -> dict[str, np.ndarray]:
    """The OHLCV columns of a candle frame as float64 arrays (zero copy when the column allows it)."""
    import polars as pl

    return {
        name: frame.get_column(name).cast(pl.Float64).to_numpy()
        for name in ("open", "high", "low", "close", "volume")
        if name in frame.columns
    }


def arrays_from_candles(candles: Sequence[Candle]) -> dict[str, np.ndarray]:
    """OHLCV arrays of a list of candles, oldest first."""
    return {
        "open": np.fromiter((c.open for c in candles), np.float64, len(candles)),
        "high": np.fromiter((c.high for c in candles), np.float64, len(candles)),
        "low": np.fromiter((c.low for c in candles), np.float64, len(candles)),
        "close": np.fromiter((c.close for c in candles), np.float64, len(candles)),
        "volume": np.fromiter((c.volume for c in candles), np.float64, len(candles)),
    }


def run_study(study: Study, arrays: Arrays) -> tuple[np.ndarray, ...]:
    """One study on finite arrays; its outputs in column order."""
    ind = study.indicator
    out = getattr(talib, ind.function)(*(arrays[name] for name in ind.inputs), **_kwargs(study))
    outs = out if isinstance(out, tuple) else (out,)
    return tuple(np.abs(o) for o in outs) if ind.absolute else outs


def compute(arrays: Arrays, studies: Iterable[Study] = DEFAULT_STUDIES) -> dict[str, np.ndarray]:
    """Every study's columns over the arrays, each as long as the input, by column name."""
    studies = tuple(studies)
    return dict(zip((c for s in studies for c in s.columns), compute_columns(arrays, studies), strict=True))


def compute_columns(arrays: Arrays, studies: Iterable[Study]) -> list[np.ndarray]:
    """Every study's columns over the arrays in study order (two studies may name a column alike).

    TA-Lib is never given a NaN (one would poison the rest of the series): a candle with a non-finite
    input is left out of the computation and gets NaN in every column.
    """
    studies = tuple(studies)
    needed = {name for s in studies for name in s.indicator.inputs}
    n = len(next(iter(arrays.values()))) if arrays else 0
    finite = _finite_mask(arrays, needed)
    used = arrays if finite is None else {k: np.ascontiguousarray(arrays[k][finite]) for k in needed}
    result: list[np.ndarray] = []
    for study in studies:
        outputs = run_study(study, used) if n else tuple(np.empty(0) for _ in study.columns)
        for values in outputs:
            if finite is not None:
                full = np.full(n, np.nan)
                full[finite] = values
                values = full
            result.append(values)
    return result


def with_indicators(frame: pl.DataFrame, studies: Iterable[Study] = DEFAULT_STUDIES) -> pl.DataFrame:
    """The candle frame (oldest first) with one float64 column per study output, NaN during warm-up."""
    import polars as pl

    columns = compute(arrays_from_frame(frame), studies)
    return frame.hstack([pl.Series(name, values, dtype=pl.Float64) for name, values in columns.items()])


@functools.cache
def _kwargs(study: Study) -> dict[str, float]:
    """The study's TA-Lib arguments, made once (a scan runs each study on thousands of series)."""
    return study.kwargs()


def _finite_mask(arrays: Arrays, needed: Iterable[str]) -> np.ndarray | None:
    """None when every needed value is finite (the common case), else the mask of usable candles."""
    mask: np.ndarray | None = None
    for name in needed:
        ok = np.isfinite(arrays[name])
        if not ok.all():
            mask = ok if mask is None else mask & ok
    return mask
