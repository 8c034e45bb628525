"""The alert engine on candles: once per crossing, cooldowns, close vs tick, baselines, `*`, indicator rules."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from tests.alerts.oracle import above, below, change_pct, columns, fired_opens, side
from tests.indicators.data import generated
from tuichart.alerts.engine import AlertEngine
from tuichart.alerts.rules import AlertRule
from tuichart.domain import MINUTE_MS, Candle, FiredAlert, Interval, KlineEvent, SeriesKey

BTC = SeriesKey("BTCUSDT", Interval.M1)


def flat(i: int, close: float, open_: float | None = None) -> Candle:
    o = close if open_ is None else open_
    return Candle(i * MINUTE_MS, o, max(o, close), min(o, close), close, 1.0, i * MINUTE_MS + MINUTE_MS - 1, 0, 1, 0, 0)


def loader(history: Sequence[Candle], calls: list[tuple[SeriesKey, int, int]] | None = None):  # type: ignore[no-untyped-def]
    def load(key: SeriesKey, before: int, n: int) -> list[Candle]:
        if calls is not None:
            calls.append((key, before, n))
        return [c for c in history if c.open_time < before][-n:] if key.symbol in ("BTCUSDT", "ETHUSDT") else []

    return load


def closed(key: SeriesKey, c: Candle) -> KlineEvent:
    return KlineEvent(key, c, True, c.close_time + 150)  # pushes arrive a little after the close


def forming(key: SeriesKey, c: Candle, at: int) -> KlineEvent:
    return KlineEvent(key, c, False, at)


def run(engine: AlertEngine, key: SeriesKey, candles: Sequence[Candle]) -> list[FiredAlert]:
    out: list[FiredAlert] = []
    for c in candles:
        out += engine.on_kline(closed(key, c))
    return out


def test_once_per_crossing_up_down_up() -> None:
    history = [flat(i, 100.0) for i in range(50)]
    rules = [
        AlertRule.make("up", "BTCUSDT", "1m", "price crosses above 110", cooldown="0s"),
        AlertRule.make("down", "BTCUSDT", "1m", "price crosses below 90", cooldown="0s"),
        AlertRule.make("either", "BTCUSDT", "1m", "price crosses 100.5", cooldown="0s"),
        AlertRule.make("over", "BTCUSDT", "1m", "close above 110", cooldown="0s"),
    ]
    engine = AlertEngine(rules, loader(history), source="app", clock=lambda: 42)
    path = [100, 115, 120, 111, 105, 112, 112, 80, 85, 100.5, 120, 95]
    fired = run(engine, BTC, [flat(50 + j, p) for j, p in enumerate(path)])
    got = {
        rid: [a.open_time // MINUTE_MS - 50 for a in fired if a.rule_id == rid]
        for rid in ("up", "down", "either", "over")
    }
    assert got == {"up": [1, 5, 10], "down": [7], "either": [1, 7, 10, 11], "over": [1, 5, 10]}
    first = fired[0]
    assert first == FiredAlert(
        "up", "BTCUSDT", "1m", "price crosses above 110", 51 * MINUTE_MS, True, 115.0, 115.0, 42, "app"
    )


def test_cooldown_swallows_a_crossing_inside_it_and_allows_one_after() -> None:
    history = [flat(i, 100.0) for i in range(50)]
    rule = AlertRule.make("up", "BTCUSDT", "1m", "price crosses above 110", cooldown="5m")
    engine = AlertEngine([rule], loader(history), source="app")
    # crossings at +1, +3 (2 min later: swallowed), +6 (5 min after +1: allowed), +8 (swallowed), +12
    path = [100, 111, 100, 111, 111, 100, 111, 100, 111, 100, 100, 100, 111]
    fired = run(engine, BTC, [flat(50 + j, p) for j, p in enumerate(path)])
    assert [a.open_time // MINUTE_MS - 50 for a in fired] == [1, 6, 12]
    candles = history + [flat(50 + j, p) for j, p in enumerate(path)]
    states = above(np.array([c.close for c in candles]), 110.0)
    assert [a.open_time for a in fired] == fired_opens(states, candles, 49, cooldown_ms=5 * MINUTE_MS)


def test_default_cooldown_is_one_candle() -> None:
    history = [flat(i, 100.0) for i in range(50)]
    engine = AlertEngine([AlertRule.make("x", "BTCUSDT", "1m", "price crosses 105")], loader(history), source="app")
    fired = run(engine, BTC, [flat(50 + j, p) for j, p in enumerate([110, 100, 110, 100])])
    assert [a.open_time // MINUTE_MS - 50 for a in fired] == [0, 1, 2, 3]  # consecutive closes are a candle apart


def test_the_baseline_does_not_fire_and_restarts_do_not_refire() -> None:
    history = [flat(i, 100.0 + (20 if i >= 45 else 0)) for i in range(50)]  # already above 110 before we watch
    rule = AlertRule.make("up", "BTCUSDT", "1m", "price above 110", cooldown="0s")
    engine = AlertEngine([rule], loader(history), source="record")
    assert run(engine, BTC, [flat(50, 125), flat(51, 130)]) == []
    fired = run(engine, BTC, [flat(52, 100), flat(53, 111)])
    assert [(a.open_time // MINUTE_MS, a.source) for a in fired] == [(53, "record")]
    fresh = AlertEngine([rule], loader([*history, flat(50, 125)]), source="app")  # a restart, still above
    assert run(fresh, BTC, [flat(51, 130)]) == []


def test_no_history_the_first_candle_is_the_baseline() -> None:
    engine = AlertEngine(
        [AlertRule.make("up", "SOLUSDT", "1m", "price above 10", cooldown="0s")], loader([]), source="app"
    )
    key = SeriesKey("SOLUSDT", Interval.M1)
    assert run(engine, key, [flat(0, 20), flat(1, 5)]) == []
    assert [a.open_time for a in run(engine, key, [flat(2, 11)])] == [2 * MINUTE_MS]


def test_tick_fires_on_the_forming_candle_close_only_on_close() -> None:
    history = [flat(i, 100.0) for i in range(50)]
    rules = [
        AlertRule.make("tick", "BTCUSDT", "1m", "price crosses above 110", on="tick"),
        AlertRule.make("close", "BTCUSDT", "1m", "price crosses above 110"),
    ]
    engine = AlertEngine(rules, loader(history), source="app")
    t0 = 50 * MINUTE_MS
    out = engine.on_kline(forming(BTC, flat(50, 105, 100), t0 + 10_000))
    assert out == []
    out = engine.on_kline(forming(BTC, flat(50, 112, 100), t0 + 20_000))
    assert [(a.rule_id, a.closed, a.price, a.open_time) for a in out] == [("tick", False, 112.0, t0)]
    out = engine.on_kline(forming(BTC, flat(50, 113, 100), t0 + 30_000))
    assert out == []  # still above: no second alert for the same crossing
    out = engine.on_kline(closed(BTC, flat(50, 115, 100)))
    assert [(a.rule_id, a.closed) for a in out] == [("close", True)]
    # the forming candle dips back and crosses again within the tick rule's cooldown (one candle): swallowed
    engine.on_kline(forming(BTC, flat(51, 100, 115), t0 + 70_000))
    assert engine.on_kline(forming(BTC, flat(51, 111, 115), t0 + 75_000)) == []
    # a dip and a new crossing after the cooldown fires again
    engine.on_kline(forming(BTC, flat(51, 101, 115), t0 + 80_000))
    out = engine.on_kline(forming(BTC, flat(51, 111, 115), t0 + 85_000))
    assert [(a.rule_id, a.closed, a.open_time) for a in out] == [("tick", False, t0 + MINUTE_MS)]
    out = engine.on_kline(closed(BTC, flat(51, 99, 115)))
    assert out == []  # the close rule never saw 51 above; the tick rule went below
    # a stale forming push (older candle) and a revised closed candle are not evaluated
    assert engine.on_kline(forming(BTC, flat(50, 200, 100), t0 + 90_000)) == []
    assert engine.on_kline(closed(BTC, flat(50, 200, 100))) == []


def test_star_follows_set_symbols_and_keys() -> None:
    history = [flat(i, 100.0) for i in range(50)]
    rules = [
        AlertRule.make("all", "*", "1m", "price crosses above 110", cooldown="0s"),
        AlertRule.make("eth5", "ETHUSDT", "5m", "rsi above 70"),
    ]
    engine = AlertEngine(rules, loader(history), source="app", symbols=["BTCUSDT"])
    eth = SeriesKey("ETHUSDT", Interval.M1)
    assert engine.keys() == {BTC, SeriesKey("ETHUSDT", Interval.M5)}
    assert run(engine, eth, [flat(50, 100), flat(51, 120)]) == []  # not watched
    engine.set_symbols(["BTCUSDT", "ETHUSDT"])
    assert engine.keys() == {BTC, eth, SeriesKey("ETHUSDT", Interval.M5)}
    fired = run(engine, eth, [flat(52, 100), flat(53, 120)])
    assert [(a.symbol, a.open_time // MINUTE_MS) for a in fired] == [("ETHUSDT", 53)]
    run(engine, BTC, [flat(50, 100)])
    engine.set_symbols(["ETHUSDT"])
    assert engine.keys() == {eth, SeriesKey("ETHUSDT", Interval.M5)}
    assert run(engine, BTC, [flat(51, 120)]) == []


def test_set_rules_keeps_the_state_of_unchanged_rules() -> None:
    history = [flat(i, 100.0) for i in range(50)]
    keep = AlertRule.make("keep", "BTCUSDT", "1m", "price above 110", cooldown="0s")
    other = AlertRule.make("other", "BTCUSDT", "1m", "price above 110", cooldown="0s")
    calls: list[tuple[SeriesKey, int, int]] = []
    engine = AlertEngine([keep], loader(history, calls), source="app")
    assert [a.rule_id for a in run(engine, BTC, [flat(50, 120)])] == ["keep"]
    engine.set_rules([keep, other])  # `other` starts with a baseline: already above, so it does not fire
    assert run(engine, BTC, [flat(51, 121)]) == []
    fired = run(engine, BTC, [flat(52, 100), flat(53, 120)])
    assert sorted(a.rule_id for a in fired) == ["keep", "other"]
    assert len(calls) == 1  # the series was warmed up once
    engine.set_rules([AlertRule.make("keep", "BTCUSDT", "1m", "change above 1% in 600m", cooldown="0s")])
    run(engine, BTC, [flat(54, 120)])
    assert len(calls) == 2 and calls[-1][2] == 601  # a longer window: warmed up again with enough history
    engine.set_rules([])
    assert engine.keys() == set() and run(engine, BTC, [flat(55, 150)]) == []


def test_a_failing_rule_is_disabled_and_the_others_go_on() -> None:
    history = [flat(i, 100.0) for i in range(50)]
    good = AlertRule.make("good", "BTCUSDT", "1m", "price above 110", cooldown="0s")
    bad = AlertRule.make("bad", "BTCUSDT", "1m", "rsi above 70")
    engine = AlertEngine([bad, good], loader(history), source="app")
    run(engine, BTC, [flat(50, 100)])
    object.__setattr__(bad.condition, "left", "no_such_column")  # a rule the engine cannot evaluate
    fired = run(engine, BTC, [flat(51, 120)])
    assert [a.rule_id for a in fired] == ["good"]
    assert list(engine.disabled) == ["bad"] and "KeyError" in engine.disabled["bad"]


HISTORY, TOTAL = 300, 1000  # the track holds every candle from the first, so stream values equal batch ones


@pytest.mark.parametrize(
    ("when", "states", "either_way"),
    [
        ("rsi above 60", lambda c: above(c["rsi"], 60.0), False),
        ("rsi below 40", lambda c: below(c["rsi"], 40.0), False),
        ("rsi crosses above 55", lambda c: above(c["rsi"], 55.0), False),
        ("macd crosses signal", lambda c: side(c["macd"], c["macd_signal"]), True),
        ("macd crosses above signal", lambda c: above(c["macd"], c["macd_signal"]), False),
        ("histogram crosses below 0", lambda c: below(c["macd_histogram"], 0.0), False),
        (
            "close outside bb",
            lambda c: [
                1 if a or b else 0
                for a, b in zip(above(c["close"], c["bb_upper"]), below(c["close"], c["bb_lower"]), strict=True)
            ],
            False,
        ),
        ("%k crosses above %d", lambda c: above(c["stoch_k"], c["stoch_d"]), False),
        ("k crosses d", lambda c: side(c["stoch_k"], c["stoch_d"]), True),
        ("ema12 crosses ema26", lambda c: side(c["ema_12"], c["ema_26"]), True),
        ("ema_12 crosses below ema_26", lambda c: below(c["ema_12"], c["ema_26"]), False),
        ("price crosses bb_middle", lambda c: side(c["close"], c["bb_middle"]), True),
        ("change above 1% in 5m", lambda c: above(change_pct(c["close"], 5), 1.0), False),
        ("change below -1.5% in 30m", lambda c: below(change_pct(c["close"], 30), -1.5), False),
        ("change beyond 2% in 15m", lambda c: [int(v >= 2) for v in np.abs(change_pct(c["close"], 15))], False),
    ],
)
def test_indicator_rules_match_the_talib_oracle(when: str, states, either_way: bool) -> None:  # type: ignore[no-untyped-def]
    candles = generated(100.0, n=TOTAL, seed=11, flat=False)
    rule = AlertRule.make("r", "BTCUSDT", "1m", when, cooldown="0s")
    engine = AlertEngine([rule], loader(candles[:HISTORY]), source="app")
    fired = run(engine, BTC, candles[HISTORY:])
    expected = fired_opens(states(columns(candles)), candles, HISTORY - 1, either_way=either_way)
    assert len(expected) >= 3, "the oracle should see several crossings"
    assert [a.open_time for a in fired] == expected
    values = columns(candles)
    for a in fired[:5]:
        i = a.open_time // MINUTE_MS
        assert a.price == candles[i].close
        if not when.startswith(("change", "close outside")):
            name = {"rsi": "rsi", "macd": "macd", "histogram": "macd_histogram", "%k": "stoch_k", "k": "stoch_k"}
            col = name.get(when.split()[0], "ema_12" if "ema" in when else "close")
            assert a.value == pytest.approx(values[col][i], rel=1e-9, abs=1e-9)


def test_indicator_rule_with_cooldown_matches_the_oracle() -> None:
    candles = generated(100.0, n=TOTAL, seed=5, flat=False)
    rule = AlertRule.make("r", "BTCUSDT", "1m", "macd crosses signal", cooldown="20m")
    engine = AlertEngine([rule], loader(candles[:HISTORY]), source="app")
    fired = run(engine, BTC, candles[HISTORY:])
    c = columns(candles)
    expected = fired_opens(
        side(c["macd"], c["macd_signal"]), candles, HISTORY - 1, either_way=True, cooldown_ms=20 * MINUTE_MS
    )
    no_cooldown = fired_opens(side(c["macd"], c["macd_signal"]), candles, HISTORY - 1, either_way=True)
    assert len(expected) < len(no_cooldown)
    assert [a.open_time for a in fired] == expected
