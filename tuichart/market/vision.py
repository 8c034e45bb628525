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

from tuichart.domain import Candle, Interval, SeriesKey
from tuichart.errors import BadInput
from tuichart.market.protocol import fmt8

_NAME = re.compile(r"^(?P<symbol>[A-Z0-9]+)-(?P<interval>[0-9]+[smhdwM]|1mo)-(?P<date>\d{4}-\d{2}(?:-\d{2})?)$")
# Times at or above this are microseconds (2025+ spot files); ms values stay below it until the year 5138.
_MICROS_THRESHOLD = 100_000_000_000_000


@dataclass(frozen=True, slots=True)
class KlineFile:
    """A kline file with the series its name declares."""

    path: Path
    key: SeriesKey


def key_from_name(path: Path) -> SeriesKey:
    """Series from a file name such as `BTCUSDT-1m-2020-01-01.zip` (month files say `1mo`)."""
    stem = path.name
    for suffix in (".zip", ".csv"):
        if stem.endswith(suffix):
            stem = stem[: -len(suffix)]
    m = _NAME.match(stem)
    if not m:
        raise BadInput(f"{path.name}: not a data.binance.vision kline file name (SYMBOL-INTERVAL-DATE.zip)")
    return SeriesKey(m["symbol"], Interval.parse(m["interval"]))


def find_kline_files(paths: Iterable[Path]) -> list[KlineFile]:
    """Kline files named by `paths` (files, or directories searched recursively), sorted by name."""
    found: list[KlineFile] = []
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                if f.suffix in (".zip", ".csv") and _NAME.match(f.name.rsplit(".", 1)[0]):
                    found.append(KlineFile(f, key_from_name(f)))
        elif p.exists():
            found.append(KlineFile(p, key_from_name(p)))
        else:
            raise BadInput(f"{p}: no such file or directory")
    found.sort(key=lambda k: (k.key.symbol, k.key.interval.value, k.path.name))
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
    """Candles from CSV rows; a header row is skipped, µs times become ms, a bad row raises BadInput."""
    for n, row in enumerate(rows, 1):
        if not row:
            continue
        if n == 1 and not row[0].strip().isdigit():
            continue
        try:
            yield Candle(
                _to_ms(row[0]),
                float(row[1]),
                float(row[2]),
                float(row[3]),
                float(row[4]),
                float(row[5]),
                _to_ms(row[6]),
                float(row[7]),
                int(row[8]),
                float(row[9]),
                float(row[10]),
            )
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
    """One line in Binance's 12-column layout: ms times, 8 decimal places, 'ignore' = 0."""
    return (
        f"{c.open_time},{fmt8(c.open)},{fmt8(c.high)},{fmt8(c.low)},{fmt8(c.close)},{fmt8(c.volume)},"
        f"{c.close_time},{fmt8(c.quote_volume)},{c.trades},{fmt8(c.taker_buy_volume)},"
        f"{fmt8(c.taker_buy_quote_volume)},0"
    )
