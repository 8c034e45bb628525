"""Alerts in the app: the same rules fire as in `tuichart record`, the alerts screen edits the config, levels show."""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import pytest

from tests.alerts.scenario import HISTORY, LENGTH, SYMBOL, UNWATCHED, expected_fired, write
from tests.app.helpers import build_app, chart_ready, exchange, wait_for
from tests.e2e.harness import exchange_process, tuichart
from tuichart.alerts.notify_settings import NotifySettings
from tuichart.alerts.rules import rules_from_config
from tuichart.domain import Interval, SeriesKey
from tuichart.store import STORE_FILE
from tuichart.tui.screens.alerts import AlertFormScreen, AlertsScreen
from tuichart.tui.widgets.panes import ChartPane

SPEED = 120  # as in the record test: a 1m candle lasts 0.5 s, so forming updates cross the tick rule's level


def messages(app: object) -> list[str]:
    """The notifications shown so far."""
    return [n.message for n in app._notifications]  # type: ignore[attr-defined]


async def test_the_app_fires_exactly_what_record_fires(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    files = write(tmp_path)
    imported = tuichart("import", files.history, "--data-dir", tmp_path / "data", env={"TUICHART_CONFIG": "/dev/null"})
    assert imported.returncode == 0, imported.stderr
    rules = rules_from_config(tomllib.loads(files.config.read_text())["alerts"])
    # a hook that fails: its failure is shown, and the alerts still fire and are stored
    notify = NotifySettings.from_table({"desktop": False, "bell": True, "command": "echo pager down >&2; exit 3"})
    expected = expected_fired()
    with exchange_process("--replay", files.replay, "--speed", SPEED) as ex:
        app = build_app(tmp_path, ex.url, symbols=[SYMBOL], alerts=rules, notify=notify, save_choices=False)
        async with app.run_test(size=(160, 48)) as pilot:
            run_for = (LENGTH - HISTORY) * 60 / SPEED + 20
            await wait_for(pilot, lambda: len(app.fired) >= len(expected), timeout=run_for)
            await pilot.pause(1.5)  # anything extra would show up now
            shown = messages(app)
        app.store.close()
    fired = sorted((a.rule_id, a.symbol, a.open_time, a.closed) for a in app.fired)
    assert fired == expected
    with duckdb.connect(str(tmp_path / "data" / STORE_FILE), read_only=True) as con:
        rows = con.execute("SELECT rule_id, symbol, epoch_ms(open_time), closed, source FROM alerts_fired").fetchall()
    assert sorted((r, s, t, c) for r, s, t, c, _ in rows) == expected
    assert {src for *_, src in rows} == {"app"}
    assert not {rid for rid, *_ in fired} & set(UNWATCHED)
    up = next(a for a in app.fired if a.rule_id == "up")
    assert "BTCUSDT 1m: price crosses above 110 (value 112, price 112, closed candle" in up.message
    assert up.message in shown  # each alert is a notification
    failures = [m for m in shown if "via command failed" in m]  # every alert failed; one notification says so
    assert len(failures) == 1 and failures[0].endswith("failed: the alert command exited with 3: pager down")
    assert "alerts on ETHUSDT are not evaluated: not trading on" in caplog.text  # the `eth` rule's symbol


async def test_alerts_screen_adds_and_removes_rules_in_the_config(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('# my settings\ninterval = "1m"\n')
    with exchange() as ex:
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            close = app.charts[SeriesKey("BTCUSDT", Interval.M1)].series.forming.close  # type: ignore[union-attr]
            await pilot.press("A")
            await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen))
            await pilot.press("n")
            await wait_for(pilot, lambda: isinstance(app.screen, AlertFormScreen))
            await pilot.press(*"rsi beyond 70", "enter")  # not a valid condition: the form says why and stays
            error = str(app.screen.query_one("#error").render())
            assert isinstance(app.screen, AlertFormScreen) and "rsi beyond 70" in error
            form = app.screen
            form.query_one("#when").value = f"price crosses above {close:.0f}"  # type: ignore[attr-defined]
            form.query_one("#cooldown").value = "15m"  # type: ignore[attr-defined]
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen) and len(app.rules) == 1)
            rule = app.rules[0]
            assert (rule.id, rule.symbol, rule.interval.code, rule.cooldown_ms) == ("a1", "BTCUSDT", "1m", 900_000)
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
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, AlertsScreen))
            await wait_for(pilot, lambda: app.query_one("#pane-candles", ChartPane).data.alert_levels != ())
            assert app.query_one("#pane-candles", ChartPane).data.alert_levels == (float(f"{close:.0f}"),)
            assert SeriesKey("BTCUSDT", Interval.M1) in app.engine.keys  # type: ignore[union-attr]
            await pilot.press("A")
            await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen))
            await pilot.press("d")
            await wait_for(pilot, lambda: app.rules == [])
            assert "alerts" not in tomllib.loads(config.read_text())
            await pilot.press("escape")
            await wait_for(pilot, lambda: app.query_one("#pane-candles", ChartPane).data.alert_levels == ())
        app.store.close()


async def test_rules_stream_their_own_series_beside_the_watchlist(tmp_path: Path) -> None:
    rules = rules_from_config(
        [
            {"id": "h", "symbol": "ETHUSDT", "interval": "1h", "when": "rsi above 70"},
            {"id": "all", "symbol": "*", "interval": "5m", "when": "macd crosses signal"},
        ]
    )
    with exchange() as ex:
        app = build_app(tmp_path, ex.url, symbols=["BTCUSDT", "SOLUSDT"], alerts=rules, save_choices=False)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            session = app.engine
            assert session is not None
            wanted = {"ETHUSDT 1h", "BTCUSDT 5m", "SOLUSDT 5m"}
            await wait_for(pilot, lambda: {str(k) for k in session.extra} == wanted)
            assert {str(k) for k in session.keys} == {"BTCUSDT 1m", "SOLUSDT 1m"}
            await pilot.press("5")  # to 1h: the watchlist moves, the rules' series stay
            await wait_for(pilot, lambda: app.interval is Interval.H1 and chart_ready(app)())
            assert {str(k) for k in session.extra} == wanted
            assert {str(k) for k in session.keys} == {"BTCUSDT 1h", "SOLUSDT 1h"}
            await pilot.press("d")  # removing BTCUSDT from the watchlist drops its `*` series
            await wait_for(pilot, lambda: {str(k) for k in session.extra} == {"ETHUSDT 1h", "SOLUSDT 5m"})
        app.store.close()
