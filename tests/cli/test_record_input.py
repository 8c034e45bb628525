"""`tuichart record`'s own options checked before any work: one line, exit 2, nothing written."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli.helpers import run_cli


@pytest.mark.parametrize("value", ["0", "-5", "ten", "2.5"])
def test_max_backfill_must_be_a_count_of_candles(tmp_path: Path, value: str) -> None:
    r = run_cli(
        "record", "BTCUSDT", f"--max-backfill={value}", "--exchange", "http://127.0.0.1:9", "--data-dir", tmp_path / "d"
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [
        f"tuichart: --max-backfill {value!r}: give a whole number of candles of at least 1, e.g. 10000"
    ]
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "name the symbols to record, or --all (every TRADING symbol of the --quote assets)"),
        (["BTCUSDT", "--all"], "name the symbols to record, or --all (every TRADING symbol of the --quote assets)"),
        (["--all", "--relist-every", "0"], "--relist-every must be above 0 seconds"),
        (["BTCUSDT", "-i", "1m,7x"], "unknown interval"),
        (["BTCUSDT", "-i", ","], "-i needs an interval, e.g. -i 1m or -i 1m,1h"),
        (["--all", "--quote", "XYZ", "--demo"], "no TRADING symbol is quoted in XYZ; try one of"),
    ],
)
def test_what_to_record_is_said_in_one_line(tmp_path: Path, args: list[str], message: str) -> None:
    r = run_cli("record", *args, "--exchange", "http://127.0.0.1:9", "--data-dir", tmp_path / "d")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    (line,) = r.stderr.strip().splitlines()
    assert message in line, line
    assert list(tmp_path.iterdir()) == []  # nothing written
