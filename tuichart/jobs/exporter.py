"""`tuichart export`: a stored series to CSV (Binance's layout), Parquet, JSON Lines or a partitioned dataset."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from tuichart.domain import SeriesKey
from tuichart.errors import BadInput
from tuichart.indicators import DEFAULT_STUDIES
from tuichart.jobs.progress import Progress, no_progress
from tuichart.store import Store
from tuichart.store.exports import binance_csv_select, export_select
from tuichart.store.schema import INDICATOR_COLUMNS

FORMATS = ("csv", "parquet", "json")


def indicator_columns(spec: str) -> tuple[str, ...]:
    """Stored indicator columns named by `spec`: `all`, or comma-separated columns and indicators (`rsi,bb`)."""
    if spec.strip().lower() == "all":
        return INDICATOR_COLUMNS
    chosen: list[str] = []
    for word in (w.strip().lower() for w in spec.split(",") if w.strip()):
        group = [c for s in DEFAULT_STUDIES if s.kind == word for c in s.columns]
        if not group and word not in INDICATOR_COLUMNS:
            raise BadInput(f"unknown indicator column {word!r}; stored: {', '.join(INDICATOR_COLUMNS)}")
        chosen += [c for c in group or [word] if c not in chosen]
    if not chosen:
        raise BadInput("--indicators needs column names, or nothing for all of them")
    return tuple(chosen)


def _writable(path: Path) -> None:
    parent = path.parent if path.parent != Path("") else Path(".")
    if not parent.is_dir():
        raise BadInput(f"cannot write {path}: directory {parent} does not exist")


def export_csv(
    store: Store,
    key: SeriesKey,
    path: Path,
    since: int | None,
    until: int | None,
    *,
    indicators: Sequence[str],
    progress: Progress = no_progress,
) -> int:
    """Binance's 12-column CSV (no header, re-importable, every price and volume digit for digit); with indicator
    columns, a header row and those columns."""
    total = store.count(key, since=since, until=until)
    sql, params = binance_csv_select(key, since, until, indicators=indicators)
    store.copy_to(sql, params, str(path), f"FORMAT csv, HEADER {'true' if indicators else 'false'}")
    progress("exporting", total, total)
    return total


def export_series(
    store: Store,
    key: SeriesKey,
    fmt: str,
    path: Path,
    since: int | None = None,
    until: int | None = None,
    *,
    indicators: Sequence[str] = (),
    progress: Progress = no_progress,
) -> int:
    """Write one series to `path` in `fmt`; returns the number of rows."""
    if fmt not in FORMATS:
        raise BadInput(f"unknown format {fmt!r}; choose csv, parquet or json")
    count = store.count(key, since=since, until=until)
    if count == 0:
        raise BadInput(f"the store holds no {key} candles in that range; import or backfill first")
    _writable(path)
    if fmt == "csv":
        return export_csv(store, key, path, since, until, indicators=indicators, progress=progress)
    sql, params = export_select(key, since, until, indicators=indicators)
    options = "FORMAT parquet, COMPRESSION zstd" if fmt == "parquet" else "FORMAT json"
    store.copy_to(sql, params, str(path), options)
    progress("exporting", count, count)
    return count


def export_partitioned(
    store: Store,
    key: SeriesKey,
    directory: Path,
    since: int | None = None,
    until: int | None = None,
    *,
    indicators: Sequence[str] = (),
) -> int:
    """A hive-partitioned Parquet dataset (symbol=/interval=/year=) under `directory`."""
    count = store.count(key, since=since, until=until)
    if count == 0:
        raise BadInput(f"the store holds no {key} candles in that range; import or backfill first")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BadInput(f"cannot create {directory}: {exc.strerror}") from None
    sql, params = export_select(key, since, until, indicators=indicators, year=True)
    store.copy_to(
        sql,
        params,
        str(directory),
        'FORMAT parquet, PARTITION_BY (symbol, "interval", "year"), OVERWRITE_OR_IGNORE, FILENAME_PATTERN \'data_{i}\'',
    )
    return count
