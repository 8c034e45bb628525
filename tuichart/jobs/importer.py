"""`tuichart import`: data.binance.vision kline files into the store, checksums verified first."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tuichart.binance.protocol import parse_kline_row
from tuichart.binance.vision import KlineFile, find_kline_files, read_kline_file, verify_checksum
from tuichart.domain import Candle, Interval, SeriesKey
from tuichart.errors import BadInput
from tuichart.jobs.indicator_rebuild import catch_up
from tuichart.jobs.progress import Progress, no_progress
from tuichart.store import Store
from tuichart.store.kline_parquet import parquet_series, read_kline_parquet


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: files read, rows written per series, checksums verified, files refused and why."""

    files: int
    rows: dict[SeriesKey, int]
    verified: int
    failed: tuple[tuple[str, str], ...] = ()


def check_rows(kf: KlineFile, key: SeriesKey, candles: Sequence[Candle]) -> None:
    """Reject files whose rows do not fit the interval their name (or -i) declares."""
    if not candles:
        raise BadInput(f"{kf.path.name}: no kline rows")
    first = candles[0]
    interval = key.interval
    if interval.open_time(first.open_time) != first.open_time or first.close_time != interval.close_time(
        first.open_time
    ):
        raise BadInput(f"{kf.path.name}: rows are not {interval.value} candles (check the file name or -i)")


def parquet_key(path: Path) -> SeriesKey:
    """The one series a Parquet file's own columns name."""
    series = parquet_series(path)
    if len(series) != 1:
        what = "no symbol and interval columns" if not series else f"{len(series)} series"
        raise BadInput(f"{path.name}: {what}; give --symbol SYMBOL -i INTERVAL")
    symbol, interval = next(iter(series))
    return SeriesKey(symbol, Interval.parse(interval))


def read_candles(kf: KlineFile) -> list[Candle]:
    """The candles of a kline file: data.binance.vision or exported CSV (header or not), or exported Parquet."""
    if kf.path.suffix != ".parquet":
        return read_kline_file(kf.path)
    candles: list[Candle] = []
    for n, row in enumerate(read_kline_parquet(kf.path), 1):
        try:
            candles.append(parse_kline_row(row))
        except (ValueError, TypeError):
            raise BadInput(f"{kf.path}: row {n} is not a kline: {row!r:.80}") from None
    return candles


def prepare_import(
    paths: Sequence[Path],
    progress: Progress = no_progress,
    *,
    symbol: str | None = None,
    interval: Interval | None = None,
) -> tuple[list[KlineFile], int]:
    """The kline files to import, each readable with a matching checksum and a known series; raises before
    anything is written."""
    files = [
        kf if kf.key is not None else KlineFile(kf.path, parquet_key(kf.path))
        for kf in find_kline_files(paths, symbol, interval)
    ]
    if not files:
        raise BadInput(
            "no kline files found (SYMBOL-INTERVAL-DATE.zip or .csv, exported .parquet; "
            "other CSV files with --symbol and -i)"
        )
    verified = 0
    for n, kf in enumerate(files, 1):
        if not os.access(kf.path, os.R_OK):
            raise BadInput(f"{kf.path}: permission denied; nothing was imported")
        ok = verify_checksum(kf.path)
        if ok is False:
            raise BadInput(f"{kf.path.name}: checksum does not match {kf.path.name}.CHECKSUM; nothing was imported")
        verified += ok is True
        progress("verifying checksums", n, len(files))
    return files, verified


def import_files(
    store: Store, files: Sequence[KlineFile], verified: int = 0, progress: Progress = no_progress
) -> ImportReport:
    """Upsert each prepared file in its own transaction (a bad row aborts before its file is written).

    A file that cannot be read is reported in `failed` and the others are imported. Then the stored indicators
    of each touched series are recomputed from its first imported candle on.
    """
    rows: dict[SeriesKey, int] = {}
    first: dict[SeriesKey, int] = {}
    failed: list[tuple[str, str]] = []
    for n, kf in enumerate(files, 1):
        assert kf.key is not None, "prepare_import names every file's series"
        key = kf.key
        try:
            candles = read_candles(kf)
            check_rows(kf, key, candles)
        except BadInput as exc:
            reason = str(exc).removeprefix(f"{kf.path}: ").removeprefix(f"{kf.path.name}: ")
            failed.append((kf.path.name, reason))
            continue
        rows[key] = rows.get(key, 0) + store.upsert(key, candles)
        first[key] = min(first.get(key, candles[0].open_time), candles[0].open_time)
        progress("importing", n, len(files))
    catch_up(store, first, progress)
    return ImportReport(len(files) - len(failed), rows, verified, tuple(failed))
