"""The app driven with Textual's pilot against a real embedded exchange and a real DuckDB store."""

from __future__ import annotations

import math
import tomllib
from pathlib import Path

import duckdb
import pytest

from tests.app.helpers import SYMBOLS, build_app, chart_ready, exchange, wait_for
from tests.indicators.data import heikin_ashi_by_hand
from tuichart.config_schema import NetworkSettings
from tuichart.domain import Candle, Interval, SeriesKey, revalued
from tuichart.store import STORE_FILE
from tuichart.tui.render.format import fmt_price, price_decimals
from tuichart.tui.screens.modals import AddSymbolScreen, HelpScreen
from tuichart.tui.widgets.legend import render_legend
from tuichart.tui.widgets.status import render_status
from tuichart.tui.widgets.watchlist import Watchlist


def legend_text(app: object) -> str:
    return render_legend(app._last_legend).plain  # type: ignore[attr-defined]


async def test_main_screen_loads_history_and_goes_live(tmp_path: Path) -> None:
    with exchange() as ex:
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            table = app.query_one(Watchlist)
            assert table.symbols == SYMBOLS[:5] and table.highlighted == "BTCUSDT"
            chart = app.charts[SeriesKey("BTCUSDT", Interval.M1)]
            assert len(chart.series.closed) >= 1500  # 500 warm-up candles before what is drawn
            assert chart.series.forming is not None
            await wait_for(pilot, lambda: math.isfinite(app.quotes["SHIBUSDT"].last))
            assert 1e-6 < app.quotes["SHIBUSDT"].last < 1e-4
            text = legend_text(app)
            assert text.startswith("BTCUSDT 1m") and "(forming)" in text and "RSI 14" in text
            status = render_status(app._last_status).plain  # type: ignore[attr-defined]
            assert "● live" in status and "candles stored" in status and "DEMO" not in status
        app.store.close()
    with duckdb.connect(str(tmp_path / "data" / STORE_FILE), read_only=True) as con:
        n, with_ind = con.execute(
            "SELECT count(*), count(rsi) FROM ohlc_data WHERE symbol = 'BTCUSDT' AND interval = '1m'"
        ).fetchone()
    assert n >= 1500 and with_ind >= n - 20  # history fetched over REST was stored with its indicators


async def test_symbol_switch_with_j_and_enter(tmp_path: Path) -> None:
    with exchange() as ex:
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            await pilot.press("j")
            assert app.selected == "ETHUSDT"
            await wait_for(pilot, chart_ready(app, SeriesKey("ETHUSDT", Interval.M1)))
            assert legend_text(app).startswith("ETHUSDT 1m")
            await pilot.press("down", "down", "k")
            await wait_for(pilot, chart_ready(app, SeriesKey("SOLUSDT", Interval.M1)))
            assert app.selected == "SOLUSDT"
            await pilot.click("#watchlist", offset=(3, 5))  # the header, then BTC ETH SOL XRP: row 5 is SHIBUSDT
            await wait_for(pilot, chart_ready(app, SeriesKey("SHIBUSDT", Interval.M1)))
            assert app.selected == "SHIBUSDT" and app.query_one(Watchlist).highlighted == "SHIBUSDT"
        app.store.close()


async def test_interval_keys_switch_stream_and_save_the_choice(tmp_path: Path) -> None:
    with exchange() as ex:
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            await pilot.press("3")
            assert app.interval is Interval.M15
            await wait_for(pilot, chart_ready(app, SeriesKey("BTCUSDT", Interval.M15)))
            assert {k.interval for k in app.engine.keys} == {Interval.M15}  # type: ignore[union-attr]
            assert legend_text(app).startswith("BTCUSDT 15m")
            await pilot.press("left_square_bracket")
            assert app.interval is Interval.M5
            await pilot.press("right_square_bracket", "right_square_bracket")
            assert app.interval is Interval.M30
        app.store.close()
    assert tomllib.loads((tmp_path / "config.toml").read_text())["interval"] == "30m"


async def test_cursor_moves_the_legend(tmp_path: Path) -> None:
    with exchange() as ex:
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            chart = app.charts[app.current_key]
            total = len(chart)
            await pilot.press("h", "h", "left")
            await wait_for(pilot, lambda: not app._dirty)
            assert app.viewport.cursor_index(total) == total - 4
            candle = chart.candle(total - 4)
            assert app._last_legend.candle == candle  # type: ignore[attr-defined]
            assert "(forming)" not in legend_text(app)
            await pilot.press("H")
            assert app.viewport.cursor_index(total) == total - 14
            await pilot.press("end")
            assert app.viewport.cursor is None
            shown = app.viewport.window(total, app.plot_width)
            await pilot.press("plus")
            zoomed = app.viewport.window(total, app.plot_width)
            assert zoomed[1] - zoomed[0] == round((shown[1] - shown[0]) * 0.8)
            await pilot.press("minus")
            assert app.viewport.window(total, app.plot_width) == shown
            await pilot.press("less_than_sign")
            assert app.viewport.offset > 0
        app.store.close()


def heikin_ashi_of(app: object, i: int) -> Candle:
    """Candle i of the chart shown, in Heikin-Ashi form by the textbook recurrence (seeded like the chart)."""
    chart = app.charts[app.current_key]  # type: ignore[attr-defined]
    o, h, low, c = heikin_ashi_by_hand([chart.candle(j) for j in range(i + 1)])[i]
    return revalued(chart.candle(i), open=o, high=h, low=low, close=c)


async def test_heikin_ashi_legend_shows_the_drawn_candle(tmp_path: Path) -> None:
    with exchange() as ex:
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            chart = app.charts[app.current_key]
            await pilot.press("t", "h", "h", "h")
            await wait_for(pilot, lambda: not app._dirty)
            total = len(chart)
            i = app.viewport.cursor_index(total)
            assert i == total - 4
            raw, ha = chart.candle(i), heikin_ashi_of(app, i)
            shown = app._last_legend.candle  # type: ignore[attr-defined]
            assert shown is not None and app._last_legend.heikin_ashi  # type: ignore[attr-defined]
            assert (shown.open, shown.high, shown.low, shown.close) == pytest.approx(
                (ha.open, ha.high, ha.low, ha.close), rel=1e-12
            )
            assert shown.open != raw.open and shown.close != raw.close
            assert (shown.volume, shown.open_time) == (raw.volume, raw.open_time)
            decimals = price_decimals(ha.close)
            assert f"O {fmt_price(ha.open, decimals)}  H " in legend_text(app)
            assert f"C {fmt_price(ha.close, decimals)}  V " in legend_text(app)

            await pilot.press("end", "less_than_sign")  # panned back: the newest candle, out of view
            await wait_for(pilot, lambda: not app._dirty)
            total = len(chart)
            newest = heikin_ashi_of(app, total - 1)
            shown = app._last_legend.candle  # type: ignore[attr-defined]
            assert app.viewport.window(total, app.plot_width)[1] < total
            assert shown.close == pytest.approx(newest.close, rel=1e-12) != chart.candle(total - 1).close
            assert shown.open == pytest.approx(newest.open, rel=1e-12)

            await pilot.press("t")  # off again: the raw candle
            await wait_for(pilot, lambda: not app._dirty)
            assert app._last_legend.candle == chart.candle(len(chart) - 1)  # type: ignore[attr-defined]
        app.store.close()


async def test_screenshots_go_to_the_pictures_folder_and_say_where(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home, data_home, work = tmp_path / "home", tmp_path / "xdg-data", tmp_path / "work"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))  # no user-dirs.dirs: Pictures is ~/Pictures
    monkeypatch.setenv("XDG_DATA_HOME", str(data_home))
    (home / "Pictures").mkdir(parents=True)
    work.mkdir()
    monkeypatch.chdir(work)  # as `make demo` runs in the repository
    with exchange() as ex:
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            await pilot.press("s")
            shots = list((home / "Pictures" / "tuichart").glob("tuichart-BTCUSDT-1m-*.svg"))
            assert len(shots) == 1 and "BTCUSDT" in shots[0].read_text()
            assert f"saved {shots[0]}" in [n.message for n in app._notifications]

            (home / "Pictures" / "tuichart").rename(tmp_path / "moved")
            (home / "Pictures").rmdir()  # no pictures folder: the data folder's screenshots/
            await pilot.press("s")
            shots = list((data_home / "tuichart" / "screenshots").glob("tuichart-BTCUSDT-1m-*.svg"))
            assert len(shots) == 1
            assert f"saved {shots[0]}" in [n.message for n in app._notifications]
        app.store.close()
    assert list(work.iterdir()) == []  # nothing in the current directory
    assert not (home / "Pictures").exists()


async def test_panes_toggled_and_remembered(tmp_path: Path) -> None:
    with exchange() as ex:
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            assert app.query_one("#pane-rsi").display
            await pilot.press("i")
            await pilot.press("down", "space", "enter")  # the second choice is RSI
            await wait_for(pilot, lambda: not app.query_one("#pane-rsi").display)
            assert app.query_one("#pane-volume").display and app.query_one("#pane-macd").display
            assert "rsi" in app.hidden
        app.store.close()
    assert tomllib.loads((tmp_path / "config.toml").read_text())["hidden_panes"] == ["rsi"]


async def test_help_screen(tmp_path: Path) -> None:
    with exchange() as ex:
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            await pilot.press("escape")
            assert not isinstance(app.screen, HelpScreen)
        app.store.close()


async def test_add_and_remove_symbols(tmp_path: Path) -> None:
    with exchange() as ex:
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            await pilot.press("a")
            assert isinstance(app.screen, AddSymbolScreen)
            await pilot.press("p", "e", "p", "e", "enter")
            await wait_for(pilot, lambda: "PEPEUSDT" in app.watchlist)
            assert SeriesKey("PEPEUSDT", Interval.M1) in app.engine.keys  # type: ignore[union-attr]
            await wait_for(pilot, lambda: math.isfinite(app.quotes["PEPEUSDT"].last))
            await pilot.press("d")  # removes the highlighted BTCUSDT; the chart moves to the next symbol
            assert "BTCUSDT" not in app.watchlist and app.selected == "ETHUSDT"
            assert all(k.symbol != "BTCUSDT" for k in app.engine.keys)  # type: ignore[union-attr]
        app.store.close()
    saved = tomllib.loads((tmp_path / "config.toml").read_text())["watchlist"]
    assert saved == ["ETHUSDT", "SOLUSDT", "XRPUSDT", "SHIBUSDT", "PEPEUSDT"]


async def test_tiny_terminal_collapses_then_says_so(tmp_path: Path) -> None:
    with exchange() as ex:
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(120, 30)) as pilot:
            await wait_for(pilot, chart_ready(app))
            assert not app.query_one("#pane-stoch").display and app.query_one("#pane-volume").display
            assert "hidden for size: stoch" in render_status(app._last_status).plain  # type: ignore[attr-defined]
            await pilot.resize_terminal(40, 12)
            await pilot.pause(0.2)
            too_small = app.query_one("#too-small")
            assert too_small.display and "Terminal too small (40×12)" in str(too_small.render())
            await pilot.resize_terminal(160, 48)
            await wait_for(pilot, lambda: app.query_one("#pane-stoch").display)
        app.store.close()


async def test_offline_shows_stored_candles_and_keeps_retrying(tmp_path: Path) -> None:
    with exchange() as ex:  # first run: fill the store
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
        app.store.close()
        url = ex.url
    app = build_app(tmp_path, url)  # the exchange is gone now
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: app._last_status.state == "offline" and app.current_key in app.charts)
        await wait_for(pilot, lambda: app._last_status.stored > 0)
        assert len(app.charts[app.current_key].series.closed) >= 1500
        status = render_status(app._last_status).plain  # type: ignore[attr-defined]
        assert "● offline" in status and "cannot reach 127.0.0.1" in status
        assert app._last_status.stored >= len(app.charts[app.current_key].series.closed)
        assert math.isfinite(app.quotes["BTCUSDT"].last)  # the watchlist shows stored closes
    app.store.close()


async def test_connection_loss_keeps_the_chart_and_reconnects(tmp_path: Path) -> None:
    # waits of a second or more: the countdown is on screen for several frames even on a loaded machine
    network = NetworkSettings(reconnect_initial=1.0, reconnect_cap=4.0, silence_timeout=2.0, retry_scale=0.01)
    with exchange() as ex:
        app = build_app(tmp_path, ex.url, network=network)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            before = len(app.charts[app.current_key])
            ex.run(lambda: ex.exchange.inject("drop"))
            await wait_for(pilot, lambda: app.reconnects == 1 and app.status.state == "live")
            ex.stop()  # now the exchange is gone for good
            await wait_for(pilot, lambda: app._last_status.state == "reconnecting", timeout=5)
            status = render_status(app._last_status).plain  # type: ignore[attr-defined]
            assert "● reconnecting in" in status
            assert len(app.charts[app.current_key]) >= before  # the last data stays on screen
            assert app.query_one("#pane-candles").display
        app.store.close()
