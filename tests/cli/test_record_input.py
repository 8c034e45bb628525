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
