"""`o` in the app: a loopback server starts once, the dialog shows its URL and tunnel, the page gets the chart."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from tests.app.helpers import build_app, chart_ready, exchange, wait_for
from tests.web import browser
from tuichart.alerts.rules_file import load_rules
from tuichart.domain import Interval, SeriesKey
from tuichart.tui.screens.alerts import AlertsScreen
from tuichart.tui.screens.modals import PopoutScreen


async def test_o_serves_the_chart_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):  # a test never starts a browser
        monkeypatch.delenv(name, raising=False)
    with exchange() as ex:
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            await pilot.press("o")
            await wait_for(pilot, lambda: isinstance(app.screen, PopoutScreen))
            server = app.popout
            assert server is not None
            dialog = app.screen
            assert isinstance(dialog, PopoutScreen)
            assert dialog.url == f"http://127.0.0.1:{server.port}/?token={server.token}"
            assert dialog.ssh_hint == f"ssh -L {server.port}:127.0.0.1:{server.port} user@host"
            assert dialog.opened is False  # no display here: the URL is shown, no browser is started
            await pilot.press("escape")
            await pilot.press("j")  # ETHUSDT
            await wait_for(pilot, chart_ready(app, SeriesKey("ETHUSDT", Interval.M1)))
            async with httpx.AsyncClient() as http:
                page = await http.get(server.url)
                query = {"token": server.token, "symbol": "ETHUSDT", "interval": "1m"}
                snap = (await http.get(f"http://127.0.0.1:{server.port}/api/snapshot", params=query)).json()
                no_token = await http.get(f"http://127.0.0.1:{server.port}/")
            chart = app.charts[SeriesKey("ETHUSDT", Interval.M1)]
            assert page.status_code == 200 and 'data-symbol="ETHUSDT"' in page.text  # the page follows the app
            assert no_token.status_code == 403
            assert len(snap["candles"]) == 1000 and snap["forming"] is True
            assert snap["candles"][-1]["time"] * 1000 == chart.candle(len(chart) - 1).open_time
            assert snap["candles"][-1]["close"] == chart.candle(len(chart) - 1).close
            await pilot.press("o")  # again: the same server
            assert app.popout is server
        app.store.close()


async def test_the_page_follows_the_app_live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config.toml"  # alert levels are drawn on the page too
    config.write_text(
        '[[alerts]]\nid = "btc"\nsymbol = "BTCUSDT"\ninterval = "1m"\nwhen = "price crosses above 60000"\n\n'
        '[[alerts]]\nid = "hot"\nsymbol = "*"\ninterval = "1m"\nwhen = "rsi above 65"\n'
    )
    with exchange(speed=120.0) as ex:  # a market clock that moves: forming candles change every push
        app = build_app(tmp_path, ex.url, alerts=load_rules(config))
        async with app.run_test(size=(160, 48)) as pilot, browser.Page(tmp_path / "profile") as page:
            await wait_for(pilot, chart_ready(app))
            await pilot.press("o", "escape")
            assert app.popout is not None
            await page.navigate(app.popout.url)
            shown = await page.wait(lambda d: d.get("state") == "drawn" and d.get("live") == "yes")
            assert shown["symbol"] == "BTCUSDT" and shown["candles"] == "1000"
            assert shown["alertLevels"] == "2"  # 60000 on the candles, 65 on the RSI pane
            assert json.loads(shown["symbols"]) == app.watchlist  # the page's own symbol buttons
            await page.wait(lambda d: int(d.get("updates", "0")) >= 2)  # pushed as the app gets them
            key = SeriesKey("BTCUSDT", Interval.M1)

            def newest_close() -> float:
                chart = app.charts[key]
                return chart.candle(len(chart) - 1).close

            # the page's newest close catches up with the app's (the market moves on while we look)
            await page.wait(lambda d: float(d.get("close", "nan")) == newest_close())
            await pilot.press("j")  # the app switches: so does the page, from a fresh snapshot
            # a page that drew the few candles streamed so far draws the history once the app has it
            switched = await page.wait(
                lambda d: d.get("symbol") == "ETHUSDT" and d.get("state") == "drawn" and d.get("candles") == "1000"
            )
            assert switched["interval"] == "1m" and switched["candles"] == "1000" and switched["precision"] == "2"
            await pilot.press("j", "j", "j")  # SHIBUSDT near 1.6e-5: prices keep their significant digits
            tiny = await page.wait(lambda d: d.get("symbol") == "SHIBUSDT" and d.get("state") == "drawn")
            assert tiny["precision"] == "9" and tiny["alertLevels"] == "1"  # only the `*` rule is about SHIBUSDT
            await pilot.press("A")
            await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen))
            await pilot.press("down", "d", "escape")  # remove `hot`: the page reloads without its level
            await wait_for(pilot, lambda: [r.id for r in app.rules] == ["btc"])
            await page.wait(lambda d: d.get("alertLevels") == "0" and int(d.get("loads", "0")) > int(tiny["loads"]))
        app.store.close()
