"""`tuichart alerts add|list|remove|fired` through the real CLI, with a real config file and store."""

from __future__ import annotations

from pathlib import Path

from tests.cli.helpers import run_cli
from tuichart.domain import FiredAlert
from tuichart.store import Store


def env(cfg: Path) -> dict[str, str]:
    return {"TUICHART_CONFIG": str(cfg)}


def test_add_list_remove(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('# my settings\ninterval = "15m"\n')
    empty = run_cli("alerts", "list", env=env(cfg))
    assert empty.returncode == 0 and empty.stdout.startswith(f"no alerts in {cfg}; add one with: tuichart alerts add")
    a = run_cli("alerts", "add", "btcusdt", "price crosses above 100000", "-i", "1h", env=env(cfg))
    assert a.returncode == 0, a.stderr
    assert a.stdout == "added alert a1: BTCUSDT 1h: close crosses above 100000 (cooldown 1h, on close)\n"
    b = run_cli("alerts", "add", "*", "RSI above 70", "--cooldown", "5m", "--on", "tick", env=env(cfg))
    assert b.stdout == "added alert a2: * 15m: rsi above 70 (cooldown 5m, on tick)\n"  # the config's interval
    c = run_cli("alerts", "add", "ETHUSDT", "change beyond 5% in 1h", "-i", "5m", "--id", "eth-move", env=env(cfg))
    assert c.returncode == 0, c.stderr
    listed = run_cli("alerts", "list", env=env(cfg))
    assert listed.stdout.splitlines() == [
        "id        symbol   interval  when                        cooldown  on",
        "a1        BTCUSDT  1h        close crosses above 100000  1h        close",
        "a2        *        15m       rsi above 70                5m        tick",
        "eth-move  ETHUSDT  5m        change beyond 5% in 1h      5m        close",
    ]
    text = cfg.read_text()
    assert text.startswith('# my settings\ninterval = "15m"\n') and 'when = "price crosses above 100000"' in text
    r = run_cli("alerts", "remove", "a1", "eth-move", env=env(cfg))
    assert r.returncode == 0
    assert r.stdout.splitlines() == [
        "removed alert a1: BTCUSDT 1h: close crosses above 100000 (cooldown 1h, on close)",
        "removed alert eth-move: ETHUSDT 5m: change beyond 5% in 1h (cooldown 5m, on close)",
    ]
    assert [line.split()[0] for line in run_cli("alerts", "list", env=env(cfg)).stdout.splitlines()] == ["id", "a2"]


def test_bad_input_is_one_line_exit_2_and_leaves_the_config_alone(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    run_cli("alerts", "add", "BTCUSDT", "rsi above 70", "--id", "hot", env=env(cfg))
    before = cfg.read_text()
    cases = [
        (("add", "BTCUSDT", "rsi goes up"), "cannot read the alert condition 'rsi goes up'; write for example"),
        (("add", "BTCUSDT", "rsi above 70", "-i", "7m"), "unknown interval '7m'"),
        (("add", "BTC/USDT", "rsi above 70"), "invalid symbol 'BTC/USDT'"),
        (("add", "BTCUSDT", "rsi above 70", "--cooldown", "soon"), "invalid duration 'soon'"),
        (("add", "BTCUSDT", "rsi above 70", "--id", "hot"), "an alert with id 'hot' exists already"),
        (("add", "BTCUSDT", "change above 5% in 90s"), "the window must be 1 to 1000 candles of 1m"),
        (("remove", "hot", "cold"), "no alert with id 'cold'; ids in the config: hot"),
    ]
    for args, message in cases:
        r = run_cli("alerts", *args, env=env(cfg))
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.strip().splitlines() == [f"tuichart: {r.stderr.strip()[10:]}"], r.stderr
        assert message in r.stderr, (args, r.stderr)
        assert "Traceback" not in r.stderr
        assert cfg.read_text() == before
    broken = tmp_path / "broken.toml"
    broken.write_text('[[alerts]]\nid = "x"\nsymbol = "BTCUSDT"\ninterval = "1m"\nwhen = "rsi above"\n')
    r = run_cli("alerts", "list", env=env(broken))
    assert r.returncode == 2 and r.stderr.startswith(f"tuichart: {broken}: alert 'x': cannot read the alert condition")
    bad = run_cli("alerts", "frobnicate", env=env(cfg))
    assert bad.returncode == 2 and "invalid choice" in bad.stderr


def test_help_lists_the_actions_with_examples() -> None:
    r = run_cli("alerts", "--help")
    assert r.returncode == 0
    for word in ("add", "list", "remove", "fired", 'tuichart alerts add BTCUSDT "price crosses above 100000" -i 1h'):
        assert word in r.stdout


def test_fired_lists_the_store_newest_first(tmp_path: Path) -> None:
    data = tmp_path / "data"
    cfg = tmp_path / "config.toml"
    none = run_cli("alerts", "fired", "--data-dir", data, env=env(cfg))
    assert none.returncode == 2 and "no store in" in none.stderr
    with Store.open(data) as store:
        store.record_alerts(
            [
                FiredAlert(
                    "up",
                    "BTCUSDT",
                    "1m",
                    "price crosses above 110",
                    1_704_067_200_000,
                    True,
                    112.0,
                    112.0,
                    1_704_067_260_500,
                    "record",
                ),
                FiredAlert(
                    "hot",
                    "ETHUSDT",
                    "1m",
                    "rsi above 70",
                    1_704_067_260_000,
                    False,
                    3000.5,
                    71.25,
                    1_704_067_290_000,
                    "app",
                ),
            ]
        )
    r = run_cli("alerts", "fired", "--data-dir", data, env=env(cfg))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].split() == [
        "fired",
        "at",
        "id",
        "symbol",
        "interval",
        "candle",
        "on",
        "value",
        "price",
        "when",
        "source",
    ]
    assert lines[1].split()[3:5] == ["hot", "ETHUSDT"] and "tick" in lines[1] and "71.25" in lines[1]
    assert lines[2].split()[3:5] == ["up", "BTCUSDT"] and "2024-01-01 00:00:00 UTC" in lines[2]
    only = run_cli("alerts", "fired", "btcusdt", "--limit", "5", "--data-dir", data, env=env(cfg))
    assert [line.split()[3] for line in only.stdout.splitlines()[1:]] == ["up"]
    sol = run_cli("alerts", "fired", "SOLUSDT", "--data-dir", data, env=env(cfg))
    assert sol.stdout.startswith("no alerts fired for SOLUSDT")
    bad = run_cli("alerts", "fired", "--limit", "0", "--data-dir", data, env=env(cfg))
    assert bad.returncode == 2 and "--limit must be at least 1" in bad.stderr
