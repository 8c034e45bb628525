"""The `[indicators]` table: defaults, overrides, extras, and one clear line for every mistake."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from tests.cli.helpers import run_cli
from tuichart.errors import BadInput
from tuichart.indicators import DEFAULT_STUDIES, REGISTRY, make_study, studies_from_config


def columns(toml: str) -> list[str]:
    return [c for s in studies_from_config(tomllib.loads(toml).get("indicators")) for c in s.columns]


def test_no_table_means_the_seeds_six() -> None:
    assert studies_from_config(None) == DEFAULT_STUDIES
    assert columns("") == [
        "ema_12",
        "ema_26",
        "rsi",
        "macd",
        "macd_signal",
        "macd_histogram",
        "bb_upper",
        "bb_middle",
        "bb_lower",
        "stoch_k",
        "stoch_d",
    ]


def test_overrides_extras_and_hiding() -> None:
    toml = """
[indicators]
ema = [9, 21]
rsi = false
bb = { length = 30, mult = 2.5 }
sma = [50, 200]
atr = true
sar = { maximum = 0.3 }
"""
    studies = studies_from_config(tomllib.loads(toml)["indicators"])
    labels = [s.label for s in studies]
    assert labels == [
        "EMA 9",
        "EMA 21",
        "MACD 12 26 9",
        "BB 30 2.5",
        "Stoch 14 3",
        "SMA 50",
        "SMA 200",
        "ATR 14",
        "SAR 0.02 0.02 0.3",
    ]
    bb = next(s for s in studies if s.kind == "bb")
    assert bb.kwargs() == {"matype": 0, "timeperiod": 30, "nbdevup": 2.5, "nbdevdn": 2.5}


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[indicators]\nfoo = 3", "unknown indicator 'foo'"),
        ("[indicators]\nrsi = 0", "rsi.length must be between 2 and 100000"),
        ("[indicators]\nrsi = 14.5", "rsi.length must be a whole number"),
        ("[indicators]\nrsi = [14, 21]", "only one instance"),
        ("[indicators]\nmacd = { fast = 30 }", "macd.fast must be shorter than macd.slow"),
        ("[indicators]\nbb = { period = 20 }", "bb has no parameter 'period'; it has length, mult"),
        ("[indicators]\nema = [12, 12]", "indicator column ema_12 is configured twice"),
        ("[indicators]\nobv = 3", "obv takes no parameters"),
        ("[indicators]\nrsi = 'fast'", "expected true, false, a number or a table"),
        ("indicators = 3", "[indicators] must be a table"),
    ],
)
def test_mistakes_are_one_line(toml: str, message: str) -> None:
    with pytest.raises(BadInput, match=None) as err:
        columns(toml)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_every_registry_entry_has_tradingview_defaults() -> None:
    defaults = {kind: make_study(kind).label for kind in REGISTRY}
    assert defaults == {
        "ema": "EMA 9",
        "sma": "SMA 9",
        "wma": "WMA 9",
        "rsi": "RSI 14",
        "macd": "MACD 12 26 9",
        "bb": "BB 20 2",
        "stoch": "Stoch 14 3",
        "atr": "ATR 14",
        "adx": "ADX 14",
        "obv": "OBV",
        "cci": "CCI 20",
        "mfi": "MFI 14",
        "willr": "%R 14",
        "sar": "SAR 0.02 0.02 0.2",
    }


def test_a_bad_table_stops_any_command_with_the_file_named(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text("[indicators]\nbb = { mult = 0 }\n")
    r = run_cli("indicators", "rebuild", "--data-dir", tmp_path / "data", env={"TUICHART_CONFIG": str(cfg)})
    assert r.returncode == 2
    assert r.stderr.strip() == f"tuichart: {cfg}: bb.mult must be between 0.001 and 50, not 0"


def test_indicators_list_names_every_entry() -> None:
    r = run_cli("indicators", "list")
    assert r.returncode == 0
    lines = r.stdout.splitlines()
    assert [line.split()[0] for line in lines[1:]] == list(REGISTRY)
    assert lines[5].split() == [
        "macd",
        "MACD",
        "fast=12,",
        "slow=26,",
        "signal=9",
        "own",
        "pane",
        "macd,",
        "macd_signal,",
        "macd_histogram",
    ]
