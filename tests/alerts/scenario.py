"""A designed market for alerts end to end: kline files to replay and import, rules, and what must fire.

The lead's app test can replay the same files and compare its fired alerts with `expected_fired()`:
the app and `tuichart record` must evaluate identically.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from tests.alerts.oracle import above, below, change_pct, columns, fired_opens, side
from tuichart.binance.vision import format_csv_row
from tuichart.domain import MINUTE_MS, Candle

SYMBOL = "BTCUSDT"
START = 1_704_067_200_000  # 2024-01-01 00:00 UTC
HISTORY = 500  # candles imported into the store; the exchange's replay clock starts at the next one
FILE_NAME = f"{SYMBOL}-1m-2024-01-01.csv"
TICK_CANDLE = 520  # the candle whose forming updates cross 120 (it opens at 119.9 and closes at 200)

# the live part of the path: index -> close (each candle opens at the previous close, except TICK_CANDLE)
_LIVE = {505: 112.0, 506: 105.0, 507: 105.0, 508: 115.0, 512: 85.0, 513: 95.0, 514: 80.0, TICK_CANDLE: 200.0}
_LIVE[523] = 112.0
LENGTH = 530

RULES = f"""
[[alerts]]
id = "up"
symbol = "{SYMBOL}"
interval = "1m"
when = "price crosses above 110"

[[alerts]]
id = "up-cool"
symbol = "{SYMBOL}"
interval = "1m"
when = "price crosses above 110"
cooldown = "5m"

[[alerts]]
id = "down"
symbol = "{SYMBOL}"
interval = "1m"
when = "price crosses below 90"
cooldown = "0s"

[[alerts]]
id = "move"
symbol = "{SYMBOL}"
interval = "1m"
when = "change beyond 5% in 3m"
cooldown = "0s"

[[alerts]]
id = "trend"
symbol = "*"
interval = "1m"
when = "EMA12 crosses EMA26"
cooldown = "0s"

[[alerts]]
id = "tick"
symbol = "{SYMBOL}"
interval = "1m"
when = "price above 120"
on = "tick"

[[alerts]]
id = "eth"
symbol = "ETHUSDT"
interval = "1m"
when = "rsi above 70"

[[alerts]]
id = "hourly"
symbol = "{SYMBOL}"
interval = "1h"
when = "rsi above 70"
"""
UNWATCHED = ("eth", "hourly")
"""Rules whose series the scenario does not stream (record warns about them)."""


@dataclass(frozen=True, slots=True)
class Scenario:
    """Where the scenario's files were written."""

    replay: Path
    """All candles, for `tuichart exchange --replay`."""
    history: Path
    """The first HISTORY candles, for `tuichart import` before the run."""
    config: Path
    """A config file holding RULES (point TUICHART_CONFIG at it)."""


def candles() -> list[Candle]:
    """The designed 1m candles: a gentle wave for HISTORY candles, then flat at 100 with designed moves."""
    out: list[Candle] = []
    prev = 100.0
    for i in range(LENGTH):
        close = 100.0 + 3.0 * math.sin(i / 7.0) if i < HISTORY else _LIVE.get(i, 100.0)
        open_ = 119.9 if i == TICK_CANDLE else prev
        t = START + i * MINUTE_MS
        out.append(
            Candle(
                t,
                open_,
                max(open_, close) + 0.5,
                min(open_, close) - 0.5,
                close,
                10.0,
                t + MINUTE_MS - 1,
                1000.0,
                10,
                5.0,
                500.0,
            )
        )
        prev = close
    return out


def write(directory: Path) -> Scenario:
    """Write the replay file, the history file and the config under `directory`."""
    all_candles = candles()
    replay = directory / "replay" / FILE_NAME
    history = directory / "history" / FILE_NAME
    for path, rows in ((replay, all_candles), (history, all_candles[:HISTORY])):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(format_csv_row(c) + "\n" for c in rows))
    config = directory / "config.toml"
    config.write_text(RULES)
    return Scenario(replay, history, config)


def expected_fired() -> list[tuple[str, str, int, bool]]:
    """(rule id, symbol, candle open time, closed) of every alert the scenario fires, sorted; from an oracle."""
    cs = candles()
    col = columns(cs)
    close = col["close"]
    base = HISTORY - 1  # the newest stored candle is the baseline
    closed_rules = {
        "up": fired_opens(above(close, 110.0), cs, base, cooldown_ms=MINUTE_MS),
        "up-cool": fired_opens(above(close, 110.0), cs, base, cooldown_ms=5 * MINUTE_MS),
        "down": fired_opens(below(close, 90.0), cs, base),
        "move": fired_opens([int(abs(v) >= 5) for v in change_pct(close, 3)], cs, base),
        "trend": fired_opens(side(col["ema_12"], col["ema_26"]), cs, base, either_way=True),
    }
    out = [(rid, SYMBOL, t, True) for rid, opens in closed_rules.items() for t in opens]
    out.append(("tick", SYMBOL, START + TICK_CANDLE * MINUTE_MS, False))  # only the forming candle crosses 120
    return sorted(out)
