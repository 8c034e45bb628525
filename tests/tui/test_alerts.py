"""Alerts in the app: the same rules fire as in `tuichart record`, the alerts screen edits the config, levels show."""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import pytest
from textual.widgets import Input

from tests.alerts.scenario import HISTORY, LENGTH, SYMBOL, UNWATCHED, expected_fired, write
from tests.e2e.harness import exchange_process, tuichart
from tests.tui.helpers import build_app, exchange, running
from tests.tui.screen import alert_rows, chart_shown, legend_candle, number, price_between, rules_shown
from tuichart.alerts.notify_settings import NotifySettings
from tuichart.alerts.rules import rules_from_config
from tuichart.store import STORE_FILE
from tuichart.tui.screens.alerts import AlertFormScreen, AlertsScreen

SPEED = 120  # as in the record test: a 1m candle lasts 0.5 s, so forming updates cross the tick rule's level


async def test_the_app_fires_exactly_what_record_fires(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    files = write(tmp_path)
    imported = tuichart("import", files.history, "--data-dir", tmp_path / "data", env={"TUICHART_CONFIG": "/dev/null"})
    assert imported.returncode == 0, imported.stderr
    rules = rules_from_config(tomllib.loads(files.config.read_text())["alerts"])
    # a hook that fails: its failure is shown, and the alerts still fire and are stored
    notify = NotifySettings.from_table({"desktop": False, "bell": True, "command": "echo pager down >&2; exit 3"})
    expected = expected_fired()
    with exchange_process("--replay", files.replay, "--speed", str(SPEED)) as ex:
        built = build_app(tmp_path, ex.url, symbols=[SYMBOL], alerts=rules, notify=notify, save_choices=False)
        async with running(*built) as run:

            def alerts_shown() -> list[str]:
                """The rule of each alert notification (titled `alert <rule>`)."""
                return [title.removeprefix("alert ") for title, _ in run.watch.notes if title.startswith("alert ")]

            run_for = (LENGTH - HISTORY) * 60 / SPEED + 20
            await run.until(lambda: len(alerts_shown()) >= len(expected), "every alert", timeout=run_for)
            await run.pilot.pause(1.5)  # anything extra would show up now
            shown, fired = run.watch.messages, sorted(alerts_shown())
    assert fired == sorted(rule for rule, *_ in expected)  # one notification per alert
    with duckdb.connect(str(tmp_path / "data" / STORE_FILE), read_only=True) as con:
        rows = con.execute("SELECT rule_id, symbol, epoch_ms(open_time), closed, source FROM alerts_fired").fetchall()
    assert sorted((r, s, t, c) for r, s, t, c, _ in rows) == expected
    assert {src for *_, src in rows} == {"app"}
    assert not set(fired) & set(UNWATCHED)
    assert any(m.startswith("BTCUSDT 1m: price crosses above 110 (value 112, price 112, closed candle") for m in shown)
    failures = [m for m in shown if "via command failed" in m]  # every alert failed; one notification says so
    assert len(failures) == 1 and failures[0].endswith("failed: the alert command exited with 3: pager down")
    assert "alerts on ETHUSDT are not evaluated: not trading on" in caplog.text  # the `eth` rule's symbol


async def test_alerts_screen_adds_and_removes_rules_in_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('# my settings\ninterval = "1m"\n')
    with exchange() as ex:
        async with running(*build_app(tmp_path, ex.url)) as run:
            app = run.app
            await run.until(chart_shown(app))
            candle = legend_candle(app)
            assert candle is not None
            close = number(candle.close)
            assert alert_rows(app) == []
            await run.press("A")
            await run.until(lambda: isinstance(app.screen, AlertsScreen), "the alerts screen")
            assert rules_shown(app) == []
            await run.press("n")
            await run.until(lambda: isinstance(app.screen, AlertFormScreen), "the alert form")
            await run.press(*"rsi beyond 70", "enter")  # not a valid condition: the form says why and stays
            error = str(app.screen.query_one("#error").render())
            assert isinstance(app.screen, AlertFormScreen) and "rsi beyond 70" in error
            form = app.screen
            form.query_one("#when", Input).value = f"price crosses above {close:.0f}"
            form.query_one("#cooldown", Input).value = "15m"
            await run.press("enter")
            await run.until(lambda: isinstance(app.screen, AlertsScreen) and len(rules_shown(app)) == 1, "the rule")
            assert rules_shown(app)[0].split()[:3] == ["a1", "BTCUSDT", "1m"]
            assert f"price crosses above {close:.0f}" in rules_shown(app)[0]
            assert "cooldown 15m, on close" in rules_shown(app)[0]
            saved = tomllib.loads(config.read_text())
            assert saved["alerts"] == [
                {
                    "id": "a1",
                    "symbol": "BTCUSDT",
                    "interval": "1m",
                    "when": f"price crosses above {close:.0f}",
                    "cooldown": "15m",
                    "on": "close",
                }
            ]
            assert config.read_text().startswith("# my settings")  # the rest of the file is kept
            await run.press("escape")
            await run.until(lambda: not isinstance(app.screen, AlertsScreen), "the chart again")
            await run.until(lambda: len(alert_rows(app)) == 1, "the alert level on the candles")
            low, high = price_between(app, alert_rows(app)[0])
            assert low <= float(f"{close:.0f}") <= high  # drawn at its price
            assert "BTCUSDT 1m" in ex.streamed()
            await run.press("A")
            await run.until(lambda: isinstance(app.screen, AlertsScreen), "the alerts screen")
            await run.press("d")
            await run.until(lambda: rules_shown(app) == [], "no rules")
            assert "alerts" not in tomllib.loads(config.read_text())
            await run.press("escape")
            await run.until(lambda: not isinstance(app.screen, AlertsScreen), "the chart again")
            await run.until(lambda: alert_rows(app) == [], "no alert level on the candles")


async def test_rules_stream_their_own_series_beside_the_watchlist(tmp_path: Path) -> None:
    rules = rules_from_config(
        [
            {"id": "h", "symbol": "ETHUSDT", "interval": "1h", "when": "rsi above 70"},
            {"id": "all", "symbol": "*", "interval": "5m", "when": "macd crosses signal"},
        ]
    )
    with exchange() as ex:
        built = build_app(tmp_path, ex.url, symbols=["BTCUSDT", "SOLUSDT"], alerts=rules, save_choices=False)
        async with running(*built) as run:
            app = run.app
            await run.until(chart_shown(app))
            wanted = {"ETHUSDT 1h", "BTCUSDT 5m", "SOLUSDT 5m"}  # the rules' series, beside the watchlist's
            await run.until(lambda: ex.streamed() == wanted | {"BTCUSDT 1m", "SOLUSDT 1m"}, "the rules' streams")
            await run.press("5")  # to 1h: the watchlist moves, the rules' series stay
            await run.until(chart_shown(app, "BTCUSDT", "1h"))
            await run.until(lambda: ex.streamed() == wanted | {"BTCUSDT 1h", "SOLUSDT 1h"}, "the 1h streams")
            await run.press("d")  # removing BTCUSDT from the watchlist drops its `*` series
            await run.until(lambda: ex.streamed() == {"ETHUSDT 1h", "SOLUSDT 5m", "SOLUSDT 1h"}, "BTCUSDT dropped")
