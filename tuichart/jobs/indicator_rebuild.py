"""Recompute the stored indicator values from `klines`: after an import or backfill, or on request."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from tuichart.domain import SeriesKey
from tuichart.indicators import DEFAULT_STUDIES, MIN_WARMUP, compute
from tuichart.jobs.progress import Progress, no_progress
from tuichart.store import Columns, Store
from tuichart.store.queries import first_without_indicators
from tuichart.store.schema import INDICATOR_COLUMNS

CHUNK = 500_000
"""Candles computed per step; each step starts MIN_WARMUP candles early, so values match one long run."""


def rebuild_series(
    store: Store, key: SeriesKey, since: int | None = None, progress: Progress = no_progress, *, chunk: int = CHUNK
) -> int:
    """Recompute a series' indicator rows for candles opening at or after `since` (all when None); rows written."""
    last = store.last_open_time(key)
    if last is None:
        return 0
    step = chunk * key.interval.nominal_ms
    warm: Columns | None = store.load_columns(key, last=MIN_WARMUP, until=since - 1) if since is not None else None
    cursor = since if since is not None else (store.first_open_time(key) or 0)
    total = store.count(key) if since is None else None
    task = f"indicators {key}"
    written = 0
    while cursor <= last:
        window = store.load_columns(key, since=cursor, until=cursor + step - 1)
        cursor += step
        if len(window["open_time"]) == 0:
            continue
        columns = window if warm is None else {name: np.concatenate([warm[name], window[name]]) for name in window}
        values = compute({name: columns[name] for name in ("open", "high", "low", "close", "volume")}, DEFAULT_STUDIES)
        skip = len(columns["open_time"]) - len(window["open_time"])
        rows = {"open_time": window["open_time"], **{c: values[c][skip:] for c in INDICATOR_COLUMNS}}
        written += store.upsert_indicator_columns(key, rows)
        warm = {name: column[-MIN_WARMUP:] for name, column in columns.items()}
        progress(task, written, total)
    progress(task, written, written)
    return written


def rebuild(
    store: Store, keys: Mapping[SeriesKey, int | None], progress: Progress = no_progress
) -> dict[SeriesKey, int]:
    """Recompute each series from its open time (None: whole series); rows written per series."""
    return {key: rebuild_series(store, key, since, progress) for key, since in keys.items()}


def catch_up(store: Store, changed: Mapping[SeriesKey, int], progress: Progress = no_progress) -> dict[SeriesKey, int]:
    """Recompute each series from its first changed candle, or from an older one still lacking indicators
    (an interrupted run leaves those), whichever comes first."""
    plan: dict[SeriesKey, int | None] = {}
    for key, first in changed.items():
        missing = first_without_indicators(store, key)
        plan[key] = first if missing is None else min(first, missing)
    return rebuild(store, plan, progress)
