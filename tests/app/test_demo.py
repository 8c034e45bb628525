"""The app on the demo's in-process exchange: every key works, `a` finds the whole market, `[` reaches 1s."""

from __future__ import annotations

import itertools
from pathlib import Path

from textual.widgets import OptionList

from tests.app.helpers import FAST_NETWORK, chart_ready, wait_for
from tuichart.domain import Interval, SeriesKey
from tuichart.engine.endpoints import DemoMarket
from tuichart.store import Store
from tuichart.tui import AppOptions, TuichartApp, make_app
from tuichart.tui.screens.modals import AddSymbolScreen

SIZE = (150, 46)


def demo_app(tmp: Path) -> TuichartApp:
    """The app as `tuichart --demo` builds it (the exchange starts inside the app)."""
    opts = AppOptions(
        symbols=["BTCUSDT", "ETHUSDT"],
        interval=Interval.M1,
        demo=DemoMarket(),
        fps=30.0,
        network=FAST_NETWORK,
        data_dir=tmp / "data",
        config_file=tmp / "config.toml",
    )
    return make_app(opts, Store.open(tmp / "data"))


async def test_add_symbol_searches_the_demo_market(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, chart_ready(app), timeout=60)
        assert len(app.trading) >= 300
        await pilot.press("a")
        await wait_for(pilot, lambda: isinstance(app.screen, AddSymbolScreen))
        matches = app.screen.query_one("#matches", OptionList)
        assert matches.option_count >= 150  # the list shows its first 200 of hundreds
        await pilot.press(*"PEPE")
        await wait_for(pilot, lambda: matches.option_count > 0 and matches.get_option_at_index(0).id == "PEPEBNB")
        found = {str(matches.get_option_at_index(i).id) for i in range(matches.option_count)}
        assert {"PEPEUSDT", "PEPEFDUSD", "PEPETRY"} <= found and all("PEPE" in s for s in found)
        await pilot.press(*"USDT", "enter")
        await wait_for(pilot, lambda: "PEPEUSDT" in app.watchlist)
        await wait_for(pilot, lambda: 1e-6 < app.quotes["PEPEUSDT"].last < 1e-4)  # its live price, a tiny one
    app.store.close()


async def test_interval_keys_reach_1s_with_a_chart(tmp_path: Path) -> None:
    app = demo_app(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, chart_ready(app), timeout=60)
        await pilot.press("left_square_bracket")
        await wait_for(pilot, chart_ready(app, SeriesKey("BTCUSDT", Interval.S1)), timeout=60)
        chart = app.charts[SeriesKey("BTCUSDT", Interval.S1)]
        times = [c.open_time for c in chart.series.closed]
        assert len(times) >= 500 and all(b - a == 1000 for a, b in itertools.pairwise(times))
        forming = chart.series.forming
        assert forming is not None
        await wait_for(pilot, lambda: chart.series.forming is not None and chart.series.forming != forming)
        assert not any("unknown interval" in str(n.message) for n in app._notifications)
        await pilot.press("right_square_bracket", "right_square_bracket")
        await wait_for(pilot, chart_ready(app, SeriesKey("BTCUSDT", Interval.M3)), timeout=60)
    app.store.close()
