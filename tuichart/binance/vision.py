"""data.binance.vision kline files: names, CSV rows (ms or µs times), zips, checksums, and the CSV we write."""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tuichart.binance.encoding import kline_row
from tuichart.binance.protocol import parse_kline_row
from tuichart.domain import Candle, Interval, SeriesKey
from tuichart.errors import BadInput

_NAME = re.compile(r"^(?P<symbol>[A-Z0-9]+)-(?P<interval>[0-9]+[smhdwM]|1mo)-(?P<date>\d{4}-\d{2}(?:-\d{2})?)$")
# Times at or above this are microseconds (2025+ spot files); ms values stay below it until the year 5138.
_MICROS_THRESHOLD = 100_000_000_000_000


_SUFFIXES = (".zip", ".csv", ".parquet")


@dataclass(frozen=True, slots=True)
class KlineFile:
    """A kline file with its series: named by the file, by --symbol/-i, or (None) by a Parquet file's columns."""

    path: Path
    key: SeriesKey | None


def name_key(path: Path) -> SeriesKey | None:
    """Series from a data.binance.vision file name such as `BTCUSDT-1m-2020-01-01.zip` (month files say `1mo`)."""
    stem = path.name
    for suffix in _SUFFIXES:
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    m = _NAME.match(stem)
    return SeriesKey(m["symbol"], Interval.parse(m["interval"])) if m else None


def key_from_name(path: Path) -> SeriesKey:
    """Series from a data.binance.vision file name; BadInput when the name does not say it."""
    key = name_key(path)
    if key is None:
        raise BadInput(f"{path.name}: not a data.binance.vision kline file name (SYMBOL-INTERVAL-DATE.zip)")
    return key


def file_key(path: Path, symbol: str | None = None, interval: Interval | None = None) -> SeriesKey | None:
    """The series a file holds: --symbol/-i where given, else its name; None for a Parquet file that says it in
    its columns. BadInput when nothing says it, or the name says otherwise."""
    named = name_key(path)
    if named is not None and symbol is not None and symbol != named.symbol:
        raise BadInput(f"{path.name}: the file name says {named.symbol}, not {symbol}")
    if named is not None and interval is not None and interval != named.interval:
        raise BadInput(f"{path.name}: the file name says {named.interval.value}, not {interval.value}")
    if symbol and interval:
        return SeriesKey(symbol, interval)
    if named is not None:
        return named
    if path.suffix == ".parquet" and not symbol and not interval:
        return None
    raise BadInput(
        f"{path.name}: the name does not say the symbol and interval (SYMBOL-INTERVAL-DATE.zip); "
        "give --symbol SYMBOL -i INTERVAL"
    )


def find_kline_files(
    paths: Iterable[Path], symbol: str | None = None, interval: Interval | None = None
) -> list[KlineFile]:
    """Kline files named by `paths` (files, or directories searched recursively), sorted by series and name.

    In a directory: data.binance.vision files and Parquet files, and with --symbol and -i every CSV too.
    """
    found: list[KlineFile] = []
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.suffix not in _SUFFIXES or not f.is_file():
                    continue
                if name_key(f) is not None or f.suffix == ".parquet" or (symbol and interval and f.suffix == ".csv"):
                    found.append(KlineFile(f, file_key(f, symbol, interval)))
        elif p.exists():
            found.append(KlineFile(p, file_key(p, symbol, interval)))
        else:
            raise BadInput(f"{p}: no such file or directory")
    found.sort(key=lambda k: (k.key.symbol, k.key.interval.value, k.path.name) if k.key else ("", "", k.path.name))
    return found


def verify_checksum(path: Path) -> bool | None:
    """True/False when a sibling `.CHECKSUM` (sha256sum format) exists and matches or not; None without one."""
    sidecar = path.with_name(path.name + ".CHECKSUM")
    if not sidecar.exists():
        return None
    try:
        expected = sidecar.read_text().split()[0].lower()
    except (OSError, IndexError):
        return False
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest() == expected


def _to_ms(value: str) -> int:
    t = int(value)
    return t // 1000 if t >= _MICROS_THRESHOLD else t


def parse_csv_rows(rows: Iterable[list[str]], source: str) -> Iterator[Candle]:
    """Candles from CSV rows (values kept exact); a header row is skipped, µs times become ms, a bad row raises
    BadInput."""
    for n, row in enumerate(rows, 1):
        if not row:
            continue
        if n == 1 and not row[0].strip().isdigit():
            continue
        try:
            yield parse_kline_row(row, _to_ms(row[0]), _to_ms(row[6]))
        except (ValueError, IndexError):
            raise BadInput(f"{source}: line {n} is not a kline row: {','.join(row)[:80]!r}") from None


def read_kline_file(path: Path) -> list[Candle]:
    """All candles in a data.binance.vision `.zip` or `.csv`, in file order."""
    try:
        if path.suffix == ".zip":
            with zipfile.ZipFile(path) as zf:
                members = [n for n in zf.namelist() if n.endswith(".csv")]
                if not members:
                    raise BadInput(f"{path}: the zip holds no CSV file")
                text = zf.read(members[0]).decode("ascii")
        else:
            text = path.read_text(encoding="ascii")
    except (zipfile.BadZipFile, UnicodeDecodeError) as exc:
        raise BadInput(f"{path}: not a readable kline file ({exc.__class__.__name__})") from None
    except PermissionError:
        raise BadInput(f"{path}: permission denied") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror or exc})") from None
    return list(parse_csv_rows(csv.reader(io.StringIO(text)), str(path)))


def format_csv_row(c: Candle) -> str:
    """One line in Binance's 12-column layout: ms times, 8 decimal places (exact digits when known), 'ignore' = 0."""
    return ",".join(map(str, kline_row(c)))
