"""The app driven with Textual's pilot against a real embedded exchange and a real DuckDB store."""

from __future__ import annotations

import tomllib
from pathlib import Path

import duckdb
import pytest

from tests.tui.helpers import SYMBOLS, build_app, exchange, running
from tests.tui.screen import (
    LegendCandle,
    axis_labels,
    candles_drawn,
    candles_in_view,
    chart_shown,
    highlighted,
    legend_candle,
    legend_lines,
    minutes,
    number,
    pane,
    status_text,
    stored_shown,
    watchlist_rows,
)
from tuichart.config_schema import NetworkSettings
from tuichart.domain import Candle, Interval, SeriesKey, revalued
from tuichart.store import STORE_FILE
from tuichart.tui.render.format import fmt_price, fmt_time, fmt_volume, price_decimals
from tuichart.tui.screens.modals import AddSymbolScreen, HelpScreen

BTC_1M = SeriesKey("BTCUSDT", Interval.M1)


def shown_as(candle: Candle, forming: bool = False, heikin_ashi: bool = False) -> LegendCandle:
    """A BTCUSDT 1m candle as the legend writes it."""
    d = price_decimals(candle.close)
    return LegendCandle(
        f"BTCUSDT 1m{' HA' if heikin_ashi else ''}",
        fmt_time(candle.open_time, Interval.M1),
        forming,
        fmt_price(candle.open, d),
        fmt_price(candle.high, d),
        fmt_price(candle.low, d),
        fmt_price(candle.close, d),
        fmt_volume(candle.volume),
    )


def heikin_ashi(candles: list[Candle]) -> list[Candle]:
    """Heikin-Ashi candles (open: the mean of the previous one's open and close; the first from its own)."""
    out: list[Candle] = []
    for c in candles:
        close = (c.open + c.high + c.low + c.close) / 4
        opened = (c.open + c.close) / 2 if not out else (out[-1].open + out[-1].close) / 2
        out.append(
            revalued(c, open=opened, high=max(c.high, opened, close), low=min(c.low, opened, close), close=close)
        )
    return out


async def test_main_screen_loads_history_and_goes_live(tmp_path: Path) -> None:
    with exchange() as ex:
        async with running(*build_app(tmp_path, ex.url)) as run:
            app = run.app
            await run.until(chart_shown(app))
            assert list(watchlist_rows(app)) == SYMBOLS[:5] and highlighted(app) == "BTCUSDT"
            await run.until(lambda: watchlist_rows(app)["SHIBUSDT"][0] != "—", "SHIBUSDT's price")
            assert 1e-6 < number(watchlist_rows(app)["SHIBUSDT"][0]) < 1e-4
            legend = "\n".join(legend_lines(app))
            assert legend.startswith("BTCUSDT 1m") and "(forming)" in legend and "RSI 14" in legend
            status = status_text(app)
            assert "● live" in status and "candles stored" in status and "DEMO" not in status
            newest = legend_candle(app)
            assert newest is not None and newest.forming
            await run.press("home")  # the oldest candle held: 500 warm-up candles before what is drawn
            await run.until(lambda: (c := legend_candle(app)) is not None and not c.forming, "the oldest candle")
            oldest = legend_candle(app)
            assert oldest is not None and minutes(newest.time) - minutes(oldest.time) >= 1500
    with duckdb.connect(str(tmp_path / "data" / STORE_FILE), read_only=True) as con:
        n, with_ind = con.execute(
            "SELECT count(*), count(rsi) FROM ohlc_data WHERE symbol = 'BTCUSDT' AND interval = '1m'"
        ).fetchone() or (0, 0)
    assert n >= 1500 and with_ind >= n - 20  # history fetched over REST was stored with its indicators


async def test_symbol_switch_with_j_and_enter(tmp_path: Path) -> None:
    with exchange() as ex:
        async with running(*build_app(tmp_path, ex.url)) as run:
            app = run.app
            await run.until(chart_shown(app))
            await run.press("j")
            await run.until(chart_shown(app, "ETHUSDT"))
            assert highlighted(app) == "ETHUSDT" and legend_lines(app)[0].startswith("ETHUSDT 1m")
            await run.press("down", "down", "k")
            await run.until(chart_shown(app, "SOLUSDT"))
            assert highlighted(app) == "SOLUSDT"
            await run.pilot.click("#watchlist", offset=(3, 5))  # the header, then BTC ETH SOL XRP: row 5 is SHIBUSDT
            await run.until(chart_shown(app, "SHIBUSDT"))
            assert highlighted(app) == "SHIBUSDT"


async def test_interval_keys_switch_stream_and_save_the_choice(tmp_path: Path) -> None:
    with exchange() as ex:
        async with running(*build_app(tmp_path, ex.url)) as run:
            app = run.app
            await run.until(chart_shown(app))
            await run.press("3")
            await run.until(chart_shown(app, "BTCUSDT", "15m"))
            await run.until(lambda: ex.streamed() == {f"{s} 15m" for s in SYMBOLS[:5]}, "the 15m streams")
            await run.press("left_square_bracket")
            await run.until(lambda: legend_lines(app)[0].startswith("BTCUSDT 5m "), "the 5m chart")
            await run.press("right_square_bracket", "right_square_bracket")
            await run.until(lambda: legend_lines(app)[0].startswith("BTCUSDT 30m "), "the 30m chart")
    assert tomllib.loads((tmp_path / "config.toml").read_text())["interval"] == "30m"


async def test_cursor_moves_the_legend(tmp_path: Path) -> None:
    with exchange() as ex:
        async with running(*build_app(tmp_path, ex.url)) as run:
            app = run.app
            await run.until(chart_shown(app))
            newest = legend_candle(app)
            closed = run.store.load_candles(BTC_1M, last=13)  # the newest stored candles, before the forming one
            await run.press("h", "h", "left")
            await run.until(lambda: legend_candle(app) == shown_as(closed[-3]), "the 3rd closed candle")
            assert "(forming)" not in legend_lines(app)[0]
            await run.press("H")
            await run.until(lambda: legend_candle(app) == shown_as(closed[-13]), "13 candles back")
            await run.press("end")
            await run.until(lambda: legend_candle(app) == newest, "the forming candle")
            shown = candles_in_view(app)
            assert shown > 50
            await run.press("plus")
            await run.until(lambda: candles_in_view(app) != shown, "zooming in")
            assert candles_in_view(app) == round(shown * 0.8)
            await run.press("minus")
            await run.until(lambda: candles_in_view(app) == shown, "zooming out")
            first = minutes(axis_labels(app)[0])
            await run.press("less_than_sign")
            await run.until(lambda: minutes(axis_labels(app)[0]) < first, "panning back")


async def test_heikin_ashi_legend_shows_the_drawn_candle(tmp_path: Path) -> None:
    with exchange() as ex:
        async with running(*build_app(tmp_path, ex.url)) as run:
            app = run.app
            await run.until(chart_shown(app))
            raw_newest = legend_candle(app)
            forming = ex.klines("BTCUSDT", "1m", 1)[-1]  # the market's own, to the last digit
            assert raw_newest == shown_as(forming, forming=True)
            closed = run.store.load_candles(BTC_1M, last=300)
            ha = heikin_ashi([*closed, forming])
            await run.press("t", "h", "h", "h")
            want = shown_as(ha[-4], heikin_ashi=True)
            await run.until(lambda: legend_candle(app) == want, "the Heikin-Ashi candle 3 back")
            raw = shown_as(closed[-3])
            assert want.open != raw.open and want.close != raw.close
            assert (want.volume, want.time) == (raw.volume, raw.time)
            assert f"O {want.open}  H " in legend_lines(app)[0] and f"C {want.close}  V " in legend_lines(app)[0]

            live_start = minutes(axis_labels(app)[0])  # the cursor was in view: the window did not move
            await run.press("end", "less_than_sign")  # panned back: the newest candle, out of view
            await run.until(lambda: minutes(axis_labels(app)[0]) < live_start, "panning back")
            newest = shown_as(ha[-1], forming=True, heikin_ashi=True)
            await run.until(lambda: legend_candle(app) == newest, "the newest Heikin-Ashi candle")
            assert raw_newest is not None and newest.close != raw_newest.close and newest.open != raw_newest.open

            await run.press("t")  # off again: the raw candle
            await run.until(lambda: legend_candle(app) == raw_newest, "the raw newest candle")


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
        async with running(*build_app(tmp_path, ex.url)) as run:
            await run.until(chart_shown(run.app))
            await run.press("s")
            shots = list((home / "Pictures" / "tuichart").glob("tuichart-BTCUSDT-1m-*.svg"))
            assert len(shots) == 1 and "BTCUSDT" in shots[0].read_text()
            await run.until(lambda: f"saved {shots[0]}" in run.watch.messages, "the saved notice")

            (home / "Pictures" / "tuichart").rename(tmp_path / "moved")
            (home / "Pictures").rmdir()  # no pictures folder: the data folder's screenshots/
            await run.press("s")
            shots = list((data_home / "tuichart" / "screenshots").glob("tuichart-BTCUSDT-1m-*.svg"))
            assert len(shots) == 1
            await run.until(lambda: f"saved {shots[0]}" in run.watch.messages, "the saved notice")
    assert list(work.iterdir()) == []  # nothing in the current directory
    assert not (home / "Pictures").exists()


async def test_panes_toggled_and_remembered(tmp_path: Path) -> None:
    with exchange() as ex:
        async with running(*build_app(tmp_path, ex.url)) as run:
            app = run.app
            await run.until(chart_shown(app))
            assert pane(app, "rsi").display
            assert "RSI 14" in legend_lines(app)[1]
            await run.press("i")
            await run.press("down", "space", "enter")  # the second choice is RSI
            await run.until(lambda: not pane(app, "rsi").display, "the RSI pane gone")
            assert pane(app, "volume").display and pane(app, "macd").display
            await run.until(lambda: "RSI 14" not in legend_lines(app)[1], "RSI gone from the legend")
    assert tomllib.loads((tmp_path / "config.toml").read_text())["hidden_panes"] == ["rsi"]


async def test_help_screen(tmp_path: Path) -> None:
    with exchange() as ex:
        async with running(*build_app(tmp_path, ex.url)) as run:
            await run.press("question_mark")
            assert isinstance(run.app.screen, HelpScreen)
            await run.press("escape")
            assert not isinstance(run.app.screen, HelpScreen)


async def test_add_and_remove_symbols(tmp_path: Path) -> None:
    with exchange() as ex:
        async with running(*build_app(tmp_path, ex.url)) as run:
            app = run.app
            await run.until(chart_shown(app))
            await run.press("a")
            assert isinstance(app.screen, AddSymbolScreen)
            await run.press("p", "e", "p", "e", "enter")
            await run.until(lambda: "PEPEUSDT" in watchlist_rows(app), "PEPEUSDT in the watchlist")
            await run.until(lambda: "PEPEUSDT 1m" in ex.streamed(), "PEPEUSDT streamed")
            await run.until(lambda: watchlist_rows(app)["PEPEUSDT"][0] != "—", "PEPEUSDT's price")
            assert number(watchlist_rows(app)["PEPEUSDT"][0]) > 0
            await run.press("d")  # removes the highlighted BTCUSDT; the chart moves to the next symbol
            await run.until(chart_shown(app, "ETHUSDT"))
            assert "BTCUSDT" not in watchlist_rows(app) and highlighted(app) == "ETHUSDT"
            await run.until(lambda: all(not s.startswith("BTCUSDT ") for s in ex.streamed()), "BTCUSDT unsubscribed")
    saved = tomllib.loads((tmp_path / "config.toml").read_text())["watchlist"]
    assert saved == ["ETHUSDT", "SOLUSDT", "XRPUSDT", "SHIBUSDT", "PEPEUSDT"]


async def test_tiny_terminal_collapses_then_says_so(tmp_path: Path) -> None:
    with exchange() as ex:
        async with running(*build_app(tmp_path, ex.url), size=(120, 30)) as run:
            app = run.app
            await run.until(chart_shown(app))
            assert not pane(app, "stoch").display and pane(app, "volume").display
            assert "hidden for size: stoch" in status_text(app)
            await run.pilot.resize_terminal(40, 12)
            too_small = app.query_one("#too-small")
            await run.until(lambda: too_small.display, "the too-small notice")
            assert "Terminal too small (40×12)" in str(too_small.render())
            await run.pilot.resize_terminal(160, 48)
            await run.until(lambda: pane(app, "stoch").display, "the stoch pane back")


async def test_offline_shows_stored_candles_and_keeps_retrying(tmp_path: Path) -> None:
    with exchange() as ex:  # first run: fill the store
        async with running(*build_app(tmp_path, ex.url)) as run:
            await run.until(chart_shown(run.app))
        url = ex.url
    async with running(*build_app(tmp_path, url)) as run:  # the exchange is gone now
        app = run.app
        await run.until(lambda: "● offline" in status_text(app) and candles_drawn(app), "stored candles, offline")
        await run.until(lambda: stored_shown(app) >= 1500, "the stored count")
        status = status_text(app)
        assert "● offline" in status and "cannot reach 127.0.0.1" in status
        await run.until(lambda: watchlist_rows(app)["BTCUSDT"][0] != "—", "the stored close in the watchlist")
        newest = legend_candle(app)
        assert newest is not None
        await run.press("home")
        await run.until(lambda: (c := legend_candle(app)) is not None and not c.forming, "the oldest candle")
        oldest = legend_candle(app)
        assert oldest is not None and minutes(newest.time) - minutes(oldest.time) >= 1499  # 1500 stored candles


async def test_connection_loss_keeps_the_chart_and_reconnects(tmp_path: Path) -> None:
    # waits of a second or more: the countdown is on screen for several frames even on a loaded machine
    network = NetworkSettings(reconnect_initial=1.0, reconnect_cap=4.0, silence_timeout=2.0, retry_scale=0.01)
    with exchange() as ex:
        async with running(*build_app(tmp_path, ex.url, network=network)) as run:
            app = run.app
            await run.until(chart_shown(app))
            before, first = legend_candle(app), axis_labels(app)[0]
            connections = ex.connections()
            ex.run(lambda: ex.exchange.inject("drop"))
            await run.until(lambda: len(ex.connections() - connections) == 1, "a new connection")
            await run.until(lambda: "● live" in status_text(app), "live again")
            assert len(ex.connections()) == 1
            ex.stop()  # now the exchange is gone for good
            await run.until(lambda: "● reconnecting" in status_text(app), "reconnecting", timeout=5)
            assert "● reconnecting in" in status_text(app)
            assert legend_candle(app) == before and axis_labels(app)[0] == first  # the last data stays on screen
            assert pane(app, "candles").display and candles_drawn(app)
