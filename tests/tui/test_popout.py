"""`o` in the app: a loopback server starts once, the dialog shows its URL and tunnel, the page gets the chart."""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from tests.tui.helpers import build_app, exchange, running
from tests.tui.screen import chart_shown, legend_candle, rules_shown, screen_text, watchlist_rows
from tests.web import browser
from tuichart.alerts.rules_file import load_rules
from tuichart.domain import Interval
from tuichart.tui.render.format import fmt_price, fmt_time, price_decimals
from tuichart.tui.screens.alerts import AlertsScreen
from tuichart.tui.screens.modals import PopoutScreen

URL = re.compile(r"http://127\.0\.0\.1:(\d+)/\?token=(\S+)")


async def test_o_serves_the_chart_shown(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):  # a test never starts a browser
        monkeypatch.delenv(name, raising=False)
    with exchange() as ex:
        async with running(*build_app(tmp_path, ex.url)) as run:
            app = run.app
            await run.until(chart_shown(app))
            await run.press("o")
            await run.until(lambda: isinstance(app.screen, PopoutScreen), "the popout dialog")
            dialog = screen_text(app)
            found = URL.search(dialog)
            assert found is not None, dialog
            url, port, token = found.group(0), found.group(1), found.group(2)
            assert f"ssh -L {port}:127.0.0.1:{port} user@host" in dialog
            assert "Opened in your browser" not in dialog  # no display here: the URL is shown, no browser is started
            await run.press("escape")
            await run.press("j")  # ETHUSDT
            await run.until(chart_shown(app, "ETHUSDT"))
            newest = legend_candle(app)
            assert newest is not None and newest.forming
            async with httpx.AsyncClient() as http:
                page = await http.get(url)
                query = {"token": token, "symbol": "ETHUSDT", "interval": "1m"}
                snap = (await http.get(f"http://127.0.0.1:{port}/api/snapshot", params=query)).json()
                no_token = await http.get(f"http://127.0.0.1:{port}/")
            assert page.status_code == 200 and 'data-symbol="ETHUSDT"' in page.text  # the page follows the app
            assert no_token.status_code == 403
            assert len(snap["candles"]) == 1000 and snap["forming"] is True
            last = snap["candles"][-1]  # the candle the legend shows
            assert fmt_time(last["time"] * 1000, Interval.M1) == newest.time
            assert fmt_price(last["close"], price_decimals(last["close"])) == newest.close
            await run.press("o")  # again: the same server
            await run.until(lambda: isinstance(app.screen, PopoutScreen), "the popout dialog")
            assert url in screen_text(app)


async def test_the_page_follows_the_app_live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("DISPLAY", "WAYLAND_DISPLAY"):
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config.toml"  # alert levels are drawn on the page too
    config.write_text(
        '[[alerts]]\nid = "btc"\nsymbol = "BTCUSDT"\ninterval = "1m"\nwhen = "price crosses above 60000"\n\n'
        '[[alerts]]\nid = "hot"\nsymbol = "*"\ninterval = "1m"\nwhen = "rsi above 65"\n'
    )
    with exchange(speed=120.0) as ex:  # a market clock that moves: forming candles change every push
        async with (
            running(*build_app(tmp_path, ex.url, alerts=load_rules(config))) as run,
            browser.Page(tmp_path / "profile") as page,
        ):
            app = run.app
            await run.until(chart_shown(app))
            await run.press("o")
            await run.until(lambda: isinstance(app.screen, PopoutScreen), "the popout dialog")
            found = URL.search(screen_text(app))
            assert found is not None
            await run.press("escape")
            await page.navigate(found.group(0))
            shown = await page.wait(lambda d: d.get("state") == "drawn" and d.get("live") == "yes")
            assert shown["symbol"] == "BTCUSDT" and shown["candles"] == "1000"
            assert shown["alertLevels"] == "2"  # 60000 on the candles, 65 on the RSI pane
            assert json.loads(shown["symbols"]) == list(watchlist_rows(app))  # the page's own symbol buttons
            await page.wait(lambda d: int(d.get("updates", "0")) >= 2)  # pushed as the app gets them

            def same_close(d: dict[str, str]) -> bool:
                """The page's newest close is the one the legend shows."""
                candle = legend_candle(app)
                close = float(d.get("close", "nan"))
                return candle is not None and close == close and fmt_price(close, 2) == candle.close

            # the page's newest close catches up with the app's (the market moves on while we look)
            await page.wait(same_close)
            await run.press("j")  # the app switches: so does the page, from a fresh snapshot
            # a page that drew the few candles streamed so far draws the history once the app has it
            switched = await page.wait(
                lambda d: d.get("symbol") == "ETHUSDT" and d.get("state") == "drawn" and d.get("candles") == "1000"
            )
            assert switched["interval"] == "1m" and switched["candles"] == "1000" and switched["precision"] == "2"
            await run.press("j", "j", "j")  # SHIBUSDT near 1.6e-5: prices keep their significant digits
            tiny = await page.wait(lambda d: d.get("symbol") == "SHIBUSDT" and d.get("state") == "drawn")
            assert tiny["precision"] == "9" and tiny["alertLevels"] == "1"  # only the `*` rule is about SHIBUSDT
            await run.press("A")
            await run.until(lambda: isinstance(app.screen, AlertsScreen), "the alerts screen")
            await run.press("down", "d")  # remove `hot`: the page reloads without its level
            await run.until(lambda: len(rules_shown(app)) == 1, "the rule gone from the list")
            assert rules_shown(app)[0].split()[:2] == ["btc", "BTCUSDT"]
            await run.press("escape")
            await page.wait(lambda d: d.get("alertLevels") == "0" and int(d.get("loads", "0")) > int(tiny["loads"]))
