"""The app on the demo's in-process exchange: every key works, `a` finds the whole market, `[` reaches 1s."""

from __future__ import annotations

import itertools
from pathlib import Path

from textual.widgets import OptionList

from tests.tui.helpers import FAST_NETWORK, running
from tests.tui.screen import chart_shown, legend_lines, number, watchlist_rows
from tuichart.domain import Interval
from tuichart.engine.endpoints import DemoMarket
from tuichart.exchange import demo_market
from tuichart.store import Store
from tuichart.tui import AppOptions, TuichartApp, make_app
from tuichart.tui.screens.modals import AddSymbolScreen

SIZE = (150, 46)
WATCHLIST = ["BTCUSDT", "ETHUSDT"]


def demo_app(tmp: Path) -> tuple[TuichartApp, Store]:
    """The app as `tuichart --demo` builds it (the exchange starts inside the app)."""
    opts = AppOptions(
        symbols=list(WATCHLIST),
        interval=Interval.M1,
        demo=DemoMarket(),
        fps=30.0,
        network=FAST_NETWORK,
        data_dir=tmp / "data",
        config_file=tmp / "config.toml",
    )
    store = Store.open(tmp / "data")
    return make_app(opts, store), store


async def test_add_symbol_searches_the_demo_market(tmp_path: Path) -> None:
    market = demo_market(WATCHLIST, seed=DemoMarket().seed).symbols()  # what the demo's exchange trades
    assert len(market) >= 300
    async with running(*demo_app(tmp_path), size=SIZE) as run:
        app = run.app
        await run.until(chart_shown(app), timeout=60)
        await run.press("a")
        await run.until(lambda: isinstance(app.screen, AddSymbolScreen), "the add-symbol screen")
        matches = app.screen.query_one("#matches", OptionList)

        def found() -> set[str]:
            return {str(matches.get_option_at_index(i).id) for i in range(matches.option_count)}

        assert matches.option_count == AddSymbolScreen.LIMIT  # the list shows its first 200 of hundreds
        assert found() <= set(market) - set(WATCHLIST)
        await run.press(*market[-1])  # the last of the market's hundreds is found too
        await run.until(lambda: market[-1] in found(), f"{market[-1]} found")
        for _ in market[-1]:
            await run.press("backspace")
        await run.press(*"PEPE")
        await run.until(lambda: matches.option_count > 0 and matches.get_option_at_index(0).id == "PEPEBNB", "PEPE")
        assert found() == {s for s in market if "PEPE" in s}  # every PEPE pair of the market, and only those
        assert {"PEPEUSDT", "PEPEFDUSD", "PEPETRY"} <= found()
        await run.press(*"USDT", "enter")
        await run.until(lambda: "PEPEUSDT" in watchlist_rows(app), "PEPEUSDT in the watchlist")
        await run.until(lambda: watchlist_rows(app)["PEPEUSDT"][0] != "—", "PEPEUSDT's price")
        assert 1e-6 < number(watchlist_rows(app)["PEPEUSDT"][0]) < 1e-4  # its live price, a tiny one


async def test_interval_keys_reach_1s_with_a_chart(tmp_path: Path) -> None:
    async with running(*demo_app(tmp_path), size=SIZE) as run:
        app = run.app
        await run.until(chart_shown(app), timeout=60)
        await run.press("left_square_bracket")
        await run.until(chart_shown(app, "BTCUSDT", "1s"), timeout=60)
        times = [
            t
            for (t,) in run.store.query(
                "SELECT epoch_ms(open_time) FROM klines WHERE symbol = 'BTCUSDT' AND interval = '1s' ORDER BY 1"
            )
        ]
        assert len(times) >= 500 and all(b - a == 1000 for a, b in itertools.pairwise(times))  # type: ignore[operator]
        forming = legend_lines(app)[0]
        await run.until(lambda: legend_lines(app)[0] != forming, "the forming candle moving")
        assert "(forming)" in legend_lines(app)[0]
        assert not any("unknown interval" in m for m in run.watch.messages)
        await run.press("right_square_bracket", "right_square_bracket")
        await run.until(chart_shown(app, "BTCUSDT", "3m"), timeout=60)
