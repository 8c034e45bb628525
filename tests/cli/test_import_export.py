"""`tuichart import` / `export` through the real CLI: byte-for-byte round trip, µs files, bad input."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from tests.cli.helpers import run_cli
from tests.data_paths import VISION_DIR, VISION_ZIPS
from tuichart.store import STORE_FILE


def source_lines() -> list[str]:
    lines: list[str] = []
    for z in VISION_ZIPS:
        with zipfile.ZipFile(z) as zf:
            lines += zf.read(zf.namelist()[0]).decode().splitlines()
    return lines


def first11(line: str) -> str:
    return ",".join(line.split(",")[:11])


def test_import_then_export_csv_is_byte_for_byte(tmp_path: Path) -> None:
    data = tmp_path / "data"
    imp = run_cli("import", VISION_DIR, "--data-dir", data)
    assert imp.returncode == 0, imp.stderr
    assert "imported 4320 BTCUSDT 1m candles" in imp.stdout
    assert "3 files into" in imp.stdout and "3 checksums verified" in imp.stdout
    out = tmp_path / "out.csv"
    exp = run_cli("export", "BTCUSDT", "-i", "1m", "--format", "csv", "-o", out, "--data-dir", data)
    assert exp.returncode == 0, exp.stderr
    exported = out.read_text().splitlines()
    source = source_lines()
    assert len(exported) == 4320
    assert [first11(x) for x in exported] == [first11(x) for x in source]
    assert exported == source  # the 'ignore' column is 0 in the source too
    again = run_cli("import", out, "--data-dir", tmp_path / "data2")
    assert again.returncode == 2  # an export's name does not say its series: the flags do
    assert "give --symbol SYMBOL -i INTERVAL" in again.stderr and len(again.stderr.strip().splitlines()) == 1
    again = run_cli("import", out, "--symbol", "btcusdt", "-i", "1m", "--data-dir", tmp_path / "data2")
    assert again.returncode == 0, again.stderr
    a = duckdb.connect(str(data / STORE_FILE), read_only=True).execute("SELECT * FROM klines ORDER BY 3").fetchall()
    b = (
        duckdb.connect(str(tmp_path / "data2" / STORE_FILE), read_only=True)
        .execute("SELECT * FROM klines ORDER BY 3")
        .fetchall()
    )
    assert a == b


def test_microsecond_file_imports_like_its_millisecond_twin(tmp_path: Path) -> None:
    rows = source_lines()[:1440]
    micro = []
    for line in rows:
        f = line.split(",")
        f[0], f[6] = str(int(f[0]) * 1000), str(int(f[6]) * 1000 + 999)
        micro.append(",".join(f))
    assert len(micro[0].split(",")[0]) == 16
    src = tmp_path / "src"
    src.mkdir()
    with zipfile.ZipFile(src / "BTCUSDT-1m-2020-01-01.zip", "w") as zf:
        zf.writestr("BTCUSDT-1m-2020-01-01.csv", "\n".join(micro) + "\n")
    assert run_cli("import", src, "--data-dir", tmp_path / "us").returncode == 0
    assert run_cli("import", VISION_ZIPS[0], "--data-dir", tmp_path / "ms").returncode == 0
    q = "SELECT * FROM klines ORDER BY open_time"
    us = duckdb.connect(str(tmp_path / "us" / STORE_FILE), read_only=True).execute(q).fetchall()
    ms = duckdb.connect(str(tmp_path / "ms" / STORE_FILE), read_only=True).execute(q).fetchall()
    assert len(us) == 1440 and us == ms


def test_parquet_json_and_partitioned_exports(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cli("import", *VISION_ZIPS, "--data-dir", data).returncode == 0
    pq = tmp_path / "b.parquet"
    r = run_cli(
        "export",
        "btcusdt",
        "-i",
        "1m",
        "--format",
        "parquet",
        "-o",
        pq,
        "--since",
        "2020-01-02",
        "--until",
        "2020-01-02T23:59",
        "--data-dir",
        data,
    )
    assert r.returncode == 0, r.stderr
    con = duckdb.connect()
    row = con.execute(f"SELECT count(*), min(open_time), max(close) FROM '{pq}'").fetchone()
    assert row is not None and row[:2] == (1440, datetime(2020, 1, 2))
    js = tmp_path / "b.json"
    assert run_cli("export", "BTCUSDT", "-i", "1m", "--format", "json", "-o", js, "--data-dir", data).returncode == 0
    first = json.loads(js.read_text().splitlines()[0])
    assert first["open"] == 7195.24 and first["symbol"] == "BTCUSDT" and first["trades"] == 493
    ds = tmp_path / "dataset"
    r = run_cli("export", "BTCUSDT", "-i", "1m", "--partitioned", ds, "--data-dir", data)
    assert r.returncode == 0, r.stderr
    assert (ds / "symbol=BTCUSDT" / "interval=1m" / "year=2020").is_dir()
    n = con.execute(
        f"SELECT count(*) FROM read_parquet('{ds}/**/*.parquet', hive_partitioning=true) "
        "WHERE symbol='BTCUSDT' AND interval='1m' AND year=2020"
    ).fetchone()
    assert n == (4320,)
    ind = tmp_path / "ind.csv"
    assert run_cli("export", "BTCUSDT", "-i", "1m", "-o", ind, "--indicators", "--data-dir", data).returncode == 0
    header = ind.read_text().splitlines()[0].split(",")
    assert header[0] == "open_time" and header[-2:] == ["stoch_k", "stoch_d"]


def _store_bytes(data: Path) -> bytes:
    return (data / STORE_FILE).read_bytes()


@pytest.fixture()
def seeded(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    assert run_cli("import", VISION_ZIPS[0], "--data-dir", data).returncode == 0
    return data


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export", "BTCUSDT", "-i", "7m", "-o", "x.csv"], "unknown interval '7m'"),
        (["export", "BTCUSDT", "-i", "1month", "-o", "x.csv"], "months are 1M; minutes are 1m"),
        (["export", "BTC/USDT", "-i", "1m", "-o", "x.csv"], "invalid symbol"),
        (["export", "ETHUSDT", "-i", "1m", "-o", "x.csv"], "holds no ETHUSDT 1m candles"),
        (["export", "BTCUSDT", "-i", "1M", "-o", "x.csv"], "holds no BTCUSDT 1M candles"),
        (["export", "BTCUSDT", "-i", "1m", "--since", "yesterday", "-o", "x.csv"], "cannot read the time"),
        (["import", "/nonexistent/BTCUSDT-1m-2020-01-01.zip"], "no such file"),
        (["import", __file__], "the name does not say the symbol and interval"),
        (["import", __file__, "--symbol", "BTCUSDT", "-i", "1m"], "not a readable kline file"),
        (["import", "/nonexistent/BTCUSDT-1m-2020-01-01.zip", "-i", "1h"], "no such file"),
    ],
)
def test_bad_input_is_one_line_exit_2_store_untouched(
    seeded: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    before = _store_bytes(seeded)
    r = run_cli(*args, "--data-dir", seeded, cwd=tmp_path)
    assert r.returncode == 2, r.stderr
    assert message in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert _store_bytes(seeded) == before


def test_wrong_checksum_and_corrupt_zip(seeded: Path, tmp_path: Path) -> None:
    before = _store_bytes(seeded)
    bad = tmp_path / "bad"
    bad.mkdir()
    shutil.copy(VISION_ZIPS[1], bad / VISION_ZIPS[1].name)
    (bad / (VISION_ZIPS[1].name + ".CHECKSUM")).write_text("0" * 64 + "  " + VISION_ZIPS[1].name)
    r = run_cli("import", bad, "--data-dir", seeded)
    assert r.returncode == 2 and "checksum does not match" in r.stderr
    corrupt = tmp_path / "corrupt" / "BTCUSDT-1m-2020-01-05.zip"
    corrupt.parent.mkdir()
    corrupt.write_bytes(b"PK\x03\x04 broken")
    r = run_cli("import", corrupt, "--data-dir", seeded)
    assert r.returncode == 2 and "not a readable kline file" in r.stderr
    garbage = tmp_path / "g" / "BTCUSDT-1m-2020-01-06.csv"
    garbage.parent.mkdir()
    garbage.write_text(io.StringIO("1577836800000,abc\n").getvalue())
    r = run_cli("import", garbage, "--data-dir", seeded)
    assert r.returncode == 2 and "line 1 is not a kline row" in r.stderr
    assert _store_bytes(seeded) == before


def test_unreadable_file() -> None:
    """As root (CI), the CLI runs as `nobody` so the permission check is real."""
    tmp_path = Path(tempfile.mkdtemp(prefix="tuichart-perm-"))
    tmp_path.chmod(0o755)
    src = tmp_path / VISION_ZIPS[0].name
    shutil.copy(VISION_ZIPS[0], src)
    src.chmod(0o000)
    data = tmp_path / "data"
    data.mkdir(mode=0o777)
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    # a config path `nobody` can reach (the session's is in root's private pytest directory)
    env = {**os.environ, "NO_COLOR": "1", "XDG_STATE_HOME": str(data), "HOME": str(data)}
    env["TUICHART_CONFIG"] = str(data / "config.toml")
    r = subprocess.run(
        [*prefix, sys.executable, "-m", "tuichart", "import", str(src), "--data-dir", str(data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert r.returncode == 2, r.stderr
    assert "permission denied; nothing was imported" in r.stderr
    assert not (data / STORE_FILE).exists()
    shutil.rmtree(tmp_path)


def test_unwritable_data_dir_and_corrupt_db(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = run_cli("import", VISION_ZIPS[0], "--data-dir", blocker / "sub")
    assert r.returncode == 2 and "cannot create the data directory" in r.stderr
    data = tmp_path / "corrupt"
    data.mkdir()
    (data / STORE_FILE).write_bytes(b"garbage" * 100)
    r = run_cli("import", VISION_ZIPS[0], "--data-dir", data)
    assert r.returncode == 2 and "corrupt or foreign" in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert (data / STORE_FILE).read_bytes() == b"garbage" * 100
