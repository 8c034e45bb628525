"""Wrong input through the real CLI: one line on stderr naming what to change, exit 2, nothing written."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from tests.cli.helpers import run_cli
from tests.data_paths import VISION_ZIPS
from tests.e2e.harness import exchange_process
from tuichart.store import STORE_FILE


def files(root: Path) -> dict[str, bytes]:
    """Every file and directory under `root` with its bytes (directories as b'/')."""
    return {str(p.relative_to(root)): b"/" if p.is_dir() else p.read_bytes() for p in sorted(root.rglob("*"))}


def refused(r: subprocess.CompletedProcess[str], message: str) -> None:
    """Exit 2 and exactly one line on stderr that holds `message`."""
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    assert message in lines[0], lines[0]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with one day of BTCUSDT 1m candles."""
    data = tmp_path_factory.mktemp("seeded") / "data"
    assert run_cli("import", VISION_ZIPS[0], "--data-dir", data).returncode == 0
    return data


@pytest.fixture(scope="module")
def exchange_url() -> Iterator[str]:
    """An embedded exchange replaying 1m candles: it offers BTCUSDT only, and no interval under 1m."""
    with exchange_process("--replay", VISION_ZIPS[0]) as ex:
        yield ex.url


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-o", "/sys/kernel/x.csv"], "-o /sys/kernel/x.csv: cannot write there (Permission denied)"),
        (["--format", "parquet", "-o", "/sys/kernel/x.parquet"], "-o /sys/kernel/x.parquet: cannot write there"),
        (["-o", "{tmp}"], "-o {tmp} is a directory; name a file in it"),
        (["-o", "{tmp}/nowhere/x.csv"], "directory {tmp}/nowhere does not exist"),
        (["--partitioned", "/sys/kernel/ds"], "--partitioned /sys/kernel/ds: cannot write in /sys/kernel"),
        (
            ["--since", "2020-01-03", "--until", "2020-01-01", "-o", "{tmp}/x.csv"],
            "--until 2020-01-01 00:00:00 UTC is before --since 2020-01-03 00:00:00 UTC",
        ),
        (["--since", "2020-01-02", "-o", "{tmp}/x.csv"], "the store holds no BTCUSDT 1m candles in that range"),
        (["--since", "2020-01-02", "-o", "-"], "the store holds no BTCUSDT 1m candles in that range"),
    ],
)
def test_export_checks_its_output_and_range_first(seeded: Path, tmp_path: Path, args: list[str], message: str) -> None:
    before, store = files(tmp_path), files(seeded)
    r = run_cli("export", "BTCUSDT", "-i", "1m", *(a.format(tmp=tmp_path) for a in args), "--data-dir", seeded)
    refused(r, message.format(tmp=tmp_path))
    assert files(tmp_path) == before and files(seeded) == store


def test_backfill_shares_the_range_check(tmp_path: Path) -> None:
    r = run_cli(
        "backfill", "BTCUSDT", "-i", "1m", "--since", "2020-01-03", "--until", "2020-01-01",
        "--exchange", "http://127.0.0.1:9", "--data-dir", tmp_path / "data",
    )  # fmt: skip
    refused(r, "--until 2020-01-01 00:00:00 UTC is before --since 2020-01-03 00:00:00 UTC; swap them")
    assert files(tmp_path) == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["web", "NOPEUSDT"], "unknown or not trading symbol 'NOPEUSDT' on 127.0.0.1:{port} (no such symbol)"),
        (["web", "BTCUSDT", "-i", "1s"], "127.0.0.1:{port} has no 1s candles (invalid interval); choose another -i"),
        (["record", "BTCUSDT", "-i", "1s", "--duration", "5"], "127.0.0.1:{port} has no 1s candles"),
        (["backfill", "BTCUSDT", "-i", "1s", "--since", "2020-01-01"], "127.0.0.1:{port} has no 1s candles"),
        (["record", "NOPEUSDT", "-i", "1s", "--duration", "5"], "unknown or not trading symbol 'NOPEUSDT'"),
    ],
)
def test_symbols_and_intervals_are_checked_against_the_exchange(
    exchange_url: str, tmp_path: Path, args: list[str], message: str
) -> None:
    r = run_cli(*args, "--exchange", exchange_url, "--data-dir", tmp_path / "data", timeout=60)
    refused(r, message.format(port=exchange_url.rsplit(":", 1)[1]))
    assert files(tmp_path) == {}  # not even the data directory


def test_a_folder_with_a_bad_zip_says_what_was_imported_and_what_was_not(tmp_path: Path) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    for z in VISION_ZIPS[:2]:
        shutil.copy(z, folder)
    (folder / "BTCUSDT-1m-2020-01-05.zip").write_bytes(b"PK\x03\x04 broken")
    data = tmp_path / "data"
    r = run_cli("import", folder, "--data-dir", data)
    refused(
        r,
        f"imported 2 files (2880 BTCUSDT 1m candles) into {data}; "
        "not imported: BTCUSDT-1m-2020-01-05.zip: not a readable kline file (BadZipFile)",
    )
    con = duckdb.connect(str(data / STORE_FILE), read_only=True)
    assert con.execute("SELECT count(*) FROM klines").fetchone() == (2880,)


def test_a_failed_import_creates_no_store_and_keeps_an_existing_one(seeded: Path, tmp_path: Path) -> None:
    bad = tmp_path / "BTCUSDT-1m-2020-01-05.zip"
    bad.write_bytes(b"PK\x03\x04 broken")
    before = files(tmp_path)
    r = run_cli("import", bad, "--data-dir", tmp_path / "new" / "data")
    refused(r, "not imported: BTCUSDT-1m-2020-01-05.zip: not a readable kline file (BadZipFile); nothing was imported")
    assert files(tmp_path) == before
    store = files(seeded)
    refused(run_cli("import", bad, "--data-dir", seeded), "nothing was imported")
    assert files(seeded) == store


CONFIG_MISTAKES = [
    ('intervall = "1h"\n', 'unknown key "intervall" (did you mean "interval"?)'),
    ('interval = "7m"\n', 'interval = "7m": not an interval (1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M)'),
    ("[network]\nclose_grace = 0\n", "network.close_grace = 0: expected a number above 0"),
    ("[notify]\ndesktp = false\n", 'unknown key "notify.desktp" (did you mean "notify.desktop"?)'),
    (
        '[[alerts]]\nid = "a"\nsymbol = "BTCUSDT"\ninterval = "1m"\nwhen = "rsi above 70"\non = "open"\n',
        "alert 'a': on = \"open\": expected one of close, tick",
    ),
]
COMMANDS_READING_THE_CONFIG = [
    ["BTCUSDT"],
    ["record", "BTCUSDT", "--duration", "1", "--exchange", "http://127.0.0.1:9", "--data-dir", "{tmp}/data"],
    ["web", "BTCUSDT", "--exchange", "http://127.0.0.1:9", "--data-dir", "{tmp}/data"],
    ["backfill", "BTCUSDT", "-i", "1m", "--since", "2020-01-01", "--exchange", "http://127.0.0.1:9"],
    ["check", "BTCUSDT", "-i", "1m", "--repair", "--exchange", "http://127.0.0.1:9", "--data-dir", "{tmp}/data"],
    ["export", "BTCUSDT", "-i", "1m", "-o", "{tmp}/x.csv", "--data-dir", "{tmp}/data"],
    ["import", str(VISION_ZIPS[0]), "--data-dir", "{tmp}/data"],
    ["indicators", "rebuild", "--data-dir", "{tmp}/data"],
    ["alerts", "list"],
    ["alerts", "add", "BTCUSDT", "rsi above 70", "-i", "1h"],
    ["alerts", "remove", "a"],
    ["alerts", "fired", "--data-dir", "{tmp}/data"],
    ["store", "check", "--data-dir", "{tmp}/data"],
]


@pytest.mark.parametrize(("text", "message"), CONFIG_MISTAKES[:2])
def test_every_command_checks_the_whole_config_file(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    before = files(tmp_path)
    for args in COMMANDS_READING_THE_CONFIG:
        r = run_cli(*(a.format(tmp=tmp_path) for a in args), env={"TUICHART_CONFIG": str(config)}, timeout=60)
        assert r.stderr.strip() == f"tuichart: {config}: {message}", (args, r.stderr)
        refused(r, message)
        assert files(tmp_path) == before, args


@pytest.mark.parametrize(("text", "message"), CONFIG_MISTAKES[2:])
def test_config_mistakes_name_the_table_and_key(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "config.toml"
    config.write_text(text)
    r = run_cli("alerts", "list", env={"TUICHART_CONFIG": str(config)})
    refused(r, f"{config}: {message}")
    assert config.read_text() == text


def test_every_documented_config_key_still_reads(tmp_path: Path) -> None:
    """The README's config reference, with alerts and delivery channels, is accepted whole."""
    config = tmp_path / "config.toml"
    config.write_text(
        'watchlist = ["BTCUSDT", "ethusdt"]\ninterval = "15m"\nhidden_panes = ["stoch", "volume"]\n'
        'watchlist_rsi = true\npopout_port = 8787\nexchange = "binance-vision"\n'
        f'data_dir = "{tmp_path / "data"}"\n'
        "[network]\nreconnect_initial = 1\nreconnect_cap = 60.0\nsilence_timeout = 60.0\nclose_grace = 5.0\n"
        "[indicators]\nema = [12, 26]\nrsi = 14\nbb = { length = 20, mult = 2.5 }\nstoch = false\n"
        '[notify]\ndesktop = false\ncommand = "cat"\n[notify.email]\nhost = "mx"\nfrom = "a@x"\nto = "b@x"\n'
        '[[alerts]]\nid = "btc-100k"\nsymbol = "BTCUSDT"\ninterval = "1h"\nwhen = "price crosses above 100000"\n'
        'cooldown = "15m"\non = "close"\n'
    )
    r = run_cli("alerts", "list", env={"TUICHART_CONFIG": str(config)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.splitlines()[1].split()[:3] == ["btc-100k", "BTCUSDT", "1h"]
