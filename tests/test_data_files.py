"""The Binance data the tests read is in the repository, named in PROVENANCE.md, and nothing reads it from elsewhere."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.data_paths import BINANCE_DATA, MANIFEST, VISION_ZIPS, check_fixtures

ROOT = Path(__file__).resolve().parents[1]
CLI = "test_parquet_json_and_partitioned_exports"  # passes every dump to `tuichart import`
OUTSIDE = re.compile(r"binance-samples|\.\./shared|[\"']shared[\"']")


def test_every_file_is_in_the_manifest_and_provenance() -> None:
    provenance = (BINANCE_DATA / "PROVENANCE.md").read_text()
    files = {p.relative_to(BINANCE_DATA).as_posix() for p in BINANCE_DATA.rglob("*") if p.is_file()}
    assert files - {"PROVENANCE.md"} == set(MANIFEST)
    for name, digest in MANIFEST.items():
        row = next((line for line in provenance.splitlines() if f"`{Path(name).name}`" in line), "")
        assert digest in row, f"PROVENANCE.md has no row naming {name} with its sha256"
    assert "This product includes software developed by Bryant Moscon (http://www.bryantmoscon.com/)" in provenance


def test_binance_checksums_verify_the_dumps() -> None:
    for z in VISION_ZIPS:
        digest, name = Path(f"{z}.CHECKSUM").read_text().split()
        assert (name, hashlib.sha256(z.read_bytes()).hexdigest()) == (z.name, digest)


def test_a_missing_or_altered_file_is_named(tmp_path: Path) -> None:
    shutil.copytree(BINANCE_DATA, tmp_path / "binance")
    check_fixtures(tmp_path / "binance")
    capture = tmp_path / "binance" / "ws_capture_cryptofeed_2021-08-14" / "BINANCE.0"
    capture.write_bytes(capture.read_bytes().replace(b"\n", b"\r\n"))
    with pytest.raises(AssertionError, match=f"test fixture changed: {re.escape(str(capture))}"):
        check_fixtures(tmp_path / "binance")
    gone = tmp_path / "binance" / "data_vision_klines" / VISION_ZIPS[1].name
    gone.unlink()
    with pytest.raises(AssertionError, match=f"test fixture missing: {re.escape(str(gone))}"):
        check_fixtures(tmp_path / "binance")


def test_a_suite_without_a_dump_fails_naming_it(tmp_path: Path) -> None:
    """A CLI test in a copy of the suite with one dump deleted fails on the fixture check, not in argparse."""
    shutil.copytree(ROOT / "tests", tmp_path / "tests", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    gone = tmp_path / "tests" / "data" / "binance" / "data_vision_klines" / VISION_ZIPS[0].name
    gone.unlink()
    r = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"tests/cli/test_import_export.py::{CLI}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 1, r.stdout + r.stderr
    assert f"test fixture missing: {gone}" in r.stdout
    assert "usage:" not in r.stdout and "arguments are required" not in r.stdout


def test_nothing_reads_data_from_outside_the_repository() -> None:
    sources = [*(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py"), ROOT / "Makefile"]
    sources += [p for p in (ROOT / ".ci").iterdir() if p.is_file()]
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in sources
        if path != Path(__file__).resolve()
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert not found, "tests and benches read data from outside the repository:\n" + "\n".join(found)
