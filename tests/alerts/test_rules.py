"""The rule grammar, durations and `[[alerts]]` tables: every form, every alias, and the errors users see."""

from __future__ import annotations

from pathlib import Path

import pytest

from tuichart.alerts.condition import Change, Compare, OutsideBands, parse_condition
from tuichart.alerts.duration import format_duration, parse_duration
from tuichart.alerts.rules import AlertRule, next_rule_id, rules_from_config
from tuichart.alerts.rules_file import add_rule, load_rules, remove_rules
from tuichart.config import load_settings
from tuichart.domain import Interval
from tuichart.errors import BadInput


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("price crosses above 100000", Compare("close", "crosses above", 100000.0)),
        ("CLOSE   below\t0.00001234", Compare("close", "below", 0.00001234)),
        ("rsi above 70", Compare("rsi", "above", 70.0)),
        ("macd crosses signal", Compare("macd", "crosses", "macd_signal")),
        ("macd crosses above macd_signal", Compare("macd", "crosses above", "macd_signal")),
        ("histogram crosses below 0", Compare("macd_histogram", "crosses below", 0.0)),
        ("macd_histogram above -0.5", Compare("macd_histogram", "above", -0.5)),
        ("ema12 crosses ema26", Compare("ema_12", "crosses", "ema_26")),
        ("ema_12 crosses below ema_26", Compare("ema_12", "crosses below", "ema_26")),
        ("close above bb_upper", Compare("close", "above", "bb_upper")),
        ("price below bb_lower", Compare("close", "below", "bb_lower")),
        ("bb_middle crosses price", Compare("bb_middle", "crosses", "close")),
        ("%K crosses above %D", Compare("stoch_k", "crosses above", "stoch_d")),
        ("k crosses d", Compare("stoch_k", "crosses", "stoch_d")),
        ("stoch_k below 20", Compare("stoch_k", "below", 20.0)),
        ("rsi < 30", Compare("rsi", "below", 30.0)),
        ("close>bb_upper", Compare("close", "above", "bb_upper")),
        ("macd > -0.5", Compare("macd", "above", -0.5)),
        ("close above 1e-5", Compare("close", "above", 1e-5)),
        ("close outside bb", OutsideBands()),
        ("Price Outside BB", OutsideBands()),
        ("change above 5% in 1h", Change("above", 5.0, 3_600_000)),
        ("change below -3% in 15m", Change("below", -3.0, 900_000)),
        ("change beyond 5 % in 4h", Change("beyond", 5.0, 4 * 3_600_000)),
    ],
)
def test_every_form_and_alias(text: str, expected: object) -> None:
    assert parse_condition(text) == expected


def test_canonical_forms() -> None:
    assert str(parse_condition("price crosses above 100000")) == "close crosses above 100000"
    assert str(parse_condition("%k crosses %d")) == "stoch_k crosses stoch_d"
    assert str(parse_condition("change beyond 5% in 60m")) == "change beyond 5% in 1h"
    assert str(parse_condition("close below 0.00001234")) == "close below 1.234e-05"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rsi between 30 70", 'write for example "price crosses above 100000"'),
        ("", "cannot read the alert condition ''"),
        ("volume above 3", "unknown value 'volume'"),
        ("rsi above seventy", "'seventy' is neither a number nor a value"),
        ("rsi above inf", "'inf' is not a finite number"),
        ("rsi crosses rsi", "rsi is compared with itself"),
        ("change beyond -5% in 1h", "beyond takes a positive percent"),
        ("change above 5% in 1y", "invalid duration '1y'"),
        ("change above 5% in 0m", "the window must be longer than 0"),
        ("close outside keltner", "cannot read the alert condition"),
    ],
)
def test_bad_conditions_say_what_to_write(text: str, message: str) -> None:
    with pytest.raises(BadInput, match=None) as err:
        parse_condition(text)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_durations() -> None:
    assert [parse_duration(t) for t in ("30s", "15m", "1h", "4H", "1d", "1w", "0s", " 90m ")] == [
        30_000,
        900_000,
        3_600_000,
        14_400_000,
        86_400_000,
        604_800_000,
        0,
        5_400_000,
    ]
    assert [format_duration(ms) for ms in (0, 30_000, 5_400_000, 3_600_000, 172_800_000, 1_500)] == [
        "0s",
        "30s",
        "90m",
        "1h",
        "2d",
        "1500ms",
    ]
    for junk in ("", "15", "m", "1.5h", "-1m", "1 hour", "1h30m"):
        with pytest.raises(BadInput, match="invalid duration"):
            parse_duration(junk)


def test_rule_defaults_and_validation() -> None:
    rule = AlertRule.make("btc-100k", "btcusdt", "1h", " price crosses above 100000 ")
    assert (rule.symbol, rule.interval, rule.when, rule.cooldown_ms, rule.on) == (
        "BTCUSDT",
        Interval.H1,
        "price crosses above 100000",
        3_600_000,
        "close",
    )
    assert str(rule) == "BTCUSDT 1h: close crosses above 100000 (cooldown 1h, on close)"
    assert AlertRule.make("x", " * ", "5m", "rsi above 70", cooldown="0s", on="tick").symbol == "*"
    assert AlertRule.make("x", "ETHUSDT", "5m", "change beyond 5% in 5000m").condition == Change(
        "beyond", 5, 300_000_000
    )
    cases = [
        (("bad id!", "BTCUSDT", "1m", "rsi above 1"), {}, "invalid alert id 'bad id!'"),
        (("a", "BTC USDT", "1m", "rsi above 1"), {}, "invalid symbol"),
        (("a", "BTCUSDT", "2m", "rsi above 1"), {}, "unknown interval '2m'"),
        (("a", "BTCUSDT", "1h", "change above 1% in 90m"), {}, "a whole multiple of 1h"),
        (("a", "BTCUSDT", "1m", "change above 1% in 1001m"), {}, "1 to 1000 candles of 1m"),
        (("a", "BTCUSDT", "1h", "change above 1% in 30m"), {}, "1 to 1000 candles of 1h"),
        (("a", "BTCUSDT", "1m", "rsi above 1"), {"cooldown": "soon"}, "invalid duration 'soon'"),
        (("a", "BTCUSDT", "1m", "rsi above 1"), {"on": "open"}, "invalid on = 'open'"),
    ]
    for args, kwargs, message in cases:
        with pytest.raises(BadInput) as err:
            AlertRule.make(*args, **kwargs)
        assert message in str(err.value), (args, str(err.value))


def test_config_tables_round_trip_and_errors() -> None:
    tables = [
        {"id": "btc-100k", "symbol": "BTCUSDT", "interval": "1h", "when": "price crosses above 100000"},
        {"id": "hot", "symbol": "*", "interval": "15m", "when": "rsi above 70", "cooldown": "1h", "on": "tick"},
    ]
    rules = rules_from_config(tables)
    assert [r.to_table() for r in rules] == [
        {**tables[0], "cooldown": "1h", "on": "close"},
        tables[1],
    ]
    assert rules_from_config([r.to_table() for r in rules]) == rules
    assert rules_from_config(None) == []
    bad = [
        ([{"id": "a", "symbol": "BTCUSDT", "interval": "1m"}], "alert 'a': when is required"),
        ([{"symbol": "BTCUSDT", "interval": "1m", "when": "rsi above 1"}], "alert #1: id is required"),
        (
            [{**tables[0], "colour": "red"}],
            "alert 'btc-100k': unknown key \"colour\" (known: id, symbol, interval, when, cooldown, on)",
        ),
        ([{**tables[0], "cooldown": 60}], "alert 'btc-100k': cooldown = 60: expected a string"),
        ([tables[0], tables[0]], "alert 'btc-100k': the id is used twice"),
        ([{**tables[0], "when": "price goes up"}], "alert 'btc-100k': cannot read the alert condition"),
        ({"id": "x"}, 'alerts = { id = "x" }: expected [[alerts]] tables'),
    ]
    for value, message in bad:
        with pytest.raises(BadInput) as err:
            rules_from_config(value)
        assert message in str(err.value)


def test_settings_read_alerts_and_name_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "config.toml"
    monkeypatch.setenv("TUICHART_CONFIG", str(cfg))
    cfg.write_text('[[alerts]]\nid = "a"\nsymbol = "ethusdt"\ninterval = "4h"\nwhen = "%k crosses %d"\n')
    settings = load_settings(None, None)
    assert [(r.id, r.symbol, r.interval, r.condition) for r in settings.alerts] == [
        ("a", "ETHUSDT", Interval.H4, Compare("stoch_k", "crosses", "stoch_d"))
    ]
    cfg.write_text('[[alerts]]\nid = "a"\nsymbol = "ethusdt"\ninterval = "4h"\nwhen = "%k over %d"\n')
    with pytest.raises(BadInput) as err:
        load_settings(None, None)
    assert str(err.value).startswith(f"{cfg}: alert 'a': cannot read the alert condition '%k over %d'")


def test_rules_file_keeps_comments_and_other_keys(tmp_path: Path) -> None:
    cfg = tmp_path / "config.toml"
    original = '# mine\nwatchlist = ["BTCUSDT"]  # keep\n\n[network]\nclose_grace = 2.0\n'
    cfg.write_text(original)
    add_rule(AlertRule.make("a1", "BTCUSDT", "1h", "price crosses above 100000"), cfg)
    add_rule(AlertRule.make("a2", "*", "1m", "rsi above 70", cooldown="5m", on="tick"), cfg)
    text = cfg.read_text()
    assert text.startswith(original) and text.count("[[alerts]]") == 2
    assert [r.id for r in load_rules(cfg)] == ["a1", "a2"]
    assert next_rule_id(r.id for r in load_rules(cfg)) == "a3"
    with pytest.raises(BadInput, match="exists already"):
        add_rule(AlertRule.make("a1", "ETHUSDT", "1h", "rsi above 1"), cfg)
    with pytest.raises(BadInput, match="no alert with id 'zz'; ids in the config: a1, a2"):
        remove_rules(["a1", "zz"], cfg)
    assert [r.id for r in load_rules(cfg)] == ["a1", "a2"]
    assert [r.id for r in remove_rules(["a1"], cfg)] == ["a1"]
    assert [r.id for r in load_rules(cfg)] == ["a2"]
    remove_rules(["a2"], cfg)
    assert cfg.read_text() == original
    assert next_rule_id([]) == "a1" and next_rule_id(["a1", "a3"]) == "a2"
