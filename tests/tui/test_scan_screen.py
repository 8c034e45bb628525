"""The scan screen (`S`) on a frozen market: its values are TA-Lib's on the stored candles plus the forming one;
it sorts, filters by a symbol or a condition, opens a chart and adds to the watchlist; and its picture."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import numpy as np
import pytest
import talib
from textual.pilot import Pilot

from tests.tui.helpers import SYMBOLS, ThreadedExchange, Watch, build_app, exchange
from tests.tui.screen import chart_shown
from tuichart.binance.protocol import parse_klines
from tuichart.domain import Interval, SeriesKey
from tuichart.store import Store
from tuichart.tui import TuichartApp
from tuichart.tui.screens.scan import ScanScreen

SIZE = (150, 46)
Snap = Callable[..., bool]


@pytest.fixture(scope="module")
def frozen() -> Iterator[ThreadedExchange]:
    with exchange() as ex:
        yield ex


def stored_market(tmp_path: Path, ex: ThreadedExchange) -> None:
    """Every symbol's newest 1,500 closed 1m candles in the store (a day and more), as a recorder would have them."""
    with Store.open(tmp_path / "data") as store:
        for symbol in SYMBOLS:
            newest = ex.klines(symbol, "1m", 1000)[:-1]
            params: dict[str, str | int] = {"symbol": symbol, "interval": "1m", "limit": 501}
            older = httpx.get(f"{ex.url}/api/v3/klines", params={**params, "endTime": newest[0].open_time - 1})
            store.upsert(SeriesKey(symbol, Interval.M1), [*parse_klines(older.json()), *newest])


async def scan_open(pilot: Pilot[int]) -> tuple[TuichartApp, Watch]:
    app = pilot.app
    assert isinstance(app, TuichartApp)
    watch = Watch()
    watch.follow(app)
    await watch.until(chart_shown(app))
    await pilot.press("S")
    await watch.until(lambda: app.scan_view is not None and len(app.scan_view.rows) == len(SYMBOLS), "the scan")
    return app, watch


async def test_the_scan_is_talib_on_the_store_plus_the_forming_candle(tmp_path: Path, frozen: ThreadedExchange) -> None:
    stored_market(tmp_path, frozen)
    app, store = build_app(tmp_path, frozen.url, SYMBOLS[:3], save_choices=False)
    async with app.run_test(size=SIZE) as pilot:
        app, watch = await scan_open(pilot)
        view = app.scan_view
        assert view is not None and isinstance(app.screen, ScanScreen)
        for row in view.rows:
            key = SeriesKey(row.symbol, Interval.M1)
            track = app.model.series.tracks.get(key)
            forming = track.series.forming if track is not None else None
            # a day and one more stored (the 24 h change at 1m), then the forming candle
            closes = np.array([c.close for c in store.load_candles(key, last=1441)])
            if forming is not None:  # a series the app streams: its forming candle counts too
                closes = np.append(closes, forming.close)
            assert row.candles == len(closes) and row.last == closes[-1]
            assert math.isclose(row.rsi, float(talib.RSI(closes, 14)[-1]), abs_tol=1e-9)
        assert any(app.model.series.tracks.get(SeriesKey(r.symbol, Interval.M1)) for r in view.rows)
        # sorted by the 24 h change, largest first; `s` moves to the next column, `r` reverses
        changes = [r.change for r in view.shown()]
        assert not any(math.isnan(c) for c in changes), [(r.symbol, r.candles, r.note) for r in view.shown()]
        assert changes == sorted(changes, reverse=True)
        await pilot.press("s", "r")
        assert view.sort == "volume" and [r.volume for r in view.shown()] == sorted(r.volume for r in view.rows)
        # a symbol typed keeps those containing it; a condition reads the rows again, kept by it
        await pilot.press("slash", *"eth", "enter")
        assert [r.symbol for r in view.shown()] == ["ETHUSDT"]
        await pilot.press("slash", *["backspace"] * 3, *"rsi > 50", "enter")
        await watch.until(lambda: view.where == "rsi > 50" and all(r.rsi > 50 for r in view.rows), "the condition")
        await pilot.press("slash", *["backspace"] * 8, "enter")
        await watch.until(lambda: view.where is None and len(view.rows) == len(SYMBOLS), "all rows again")
        # `a` adds the symbol under the cursor; Enter opens its chart
        outside = next(i for i, r in enumerate(view.shown()) if r.symbol not in app.model.watchlist)
        symbol = view.shown()[outside].symbol
        await pilot.press(*["down"] * outside, "a")
        await watch.until(lambda: symbol in app.model.watchlist, "the symbol added")
        await pilot.press("enter")
        await watch.until(lambda: not isinstance(app.screen, ScanScreen) and app.model.selected == symbol)
        await watch.until(chart_shown(app, symbol, "1m"))
        assert app.scan_view is None  # no longer read
    store.close()


def test_scan_screen(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    stored_market(tmp_path, frozen)
    app, store = build_app(tmp_path, frozen.url, SYMBOLS[:3], save_choices=False)

    async def run_before(pilot: Pilot[int]) -> None:
        await scan_open(pilot)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    store.close()
