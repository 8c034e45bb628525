"""`tuichart import`: data.binance.vision kline files into the store, checksums verified first."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tuichart.domain import Candle, SeriesKey
from tuichart.errors import BadInput
from tuichart.market.vision import KlineFile, find_kline_files, read_kline_file, verify_checksum
from tuichart.services.indicator_rebuild import catch_up
from tuichart.services.progress import Progress, no_progress
from tuichart.store import Store


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What an import did: files read, rows written per series, checksums verified, files refused and why."""

    files: int
    rows: dict[SeriesKey, int]
    verified: int
    failed: tuple[tuple[str, str], ...] = ()


def check_rows(kf: KlineFile, candles: Sequence[Candle]) -> None:
    """Reject files whose rows do not fit the interval their name declares."""
    if not candles:
        raise BadInput(f"{kf.path.name}: no kline rows")
    first = candles[0]
    interval = kf.key.interval
    if interval.open_time(first.open_time) != first.open_time or first.close_time != interval.close_time(
        first.open_time
    ):
        raise BadInput(f"{kf.path.name}: rows are not {interval.value} candles (check the file name)")


def prepare_import(paths: Sequence[Path], progress: Progress = no_progress) -> tuple[list[KlineFile], int]:
    """The kline files to import, each readable with a matching checksum; raises before anything is written."""
    files = find_kline_files(paths)
    if not files:
        raise BadInput("no data.binance.vision kline files (SYMBOL-INTERVAL-DATE.zip or .csv) found")
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
        try:
            candles = read_kline_file(kf.path)
            check_rows(kf, candles)
        except BadInput as exc:
            reason = str(exc).removeprefix(f"{kf.path}: ").removeprefix(f"{kf.path.name}: ")
            failed.append((kf.path.name, reason))
            continue
        rows[kf.key] = rows.get(kf.key, 0) + store.upsert(kf.key, candles)
        first[kf.key] = min(first.get(kf.key, candles[0].open_time), candles[0].open_time)
        progress("importing", n, len(files))
    catch_up(store, first, progress)
    return ImportReport(len(files) - len(failed), rows, verified, tuple(failed))
