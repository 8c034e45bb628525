"""SVG snapshots of the app at a fixed size, on a frozen synthetic market (the same picture every run).

Regenerate after an intended change with `pytest tests/tui/test_snapshots.py --snapshot-update` and review the
SVGs in `__snapshots__/` before committing them.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.cli.helpers import run_cli
from tests.data_paths import VISION_ZIPS
from tests.tui.helpers import ThreadedExchange, Watch, build_app, exchange
from tests.tui.screen import candles_drawn, chart_shown, status_text, stored_shown, watchlist_rows
from tuichart.alerts.rules import rules_from_config
from tuichart.domain import Interval
from tuichart.store import Store
from tuichart.tui import TuichartApp
from tuichart.tui.screens.alerts import AlertsScreen

SIZE = (150, 46)
Snap = Callable[..., bool]
Before = Callable[[Pilot[int]], Awaitable[None]]


@pytest.fixture(scope="module")
def frozen() -> Iterator[ThreadedExchange]:
    with exchange() as ex:
        yield ex


def app_on(tmp_path: Path, ex: ThreadedExchange, **kw: object) -> tuple[TuichartApp, Store]:
    return build_app(tmp_path, ex.url, label="test exchange", **kw)  # type: ignore[arg-type]


def quotes_shown(app: TuichartApp) -> Callable[[], bool]:
    """Every watchlist row shows its 24 h change (the once-a-second repaint has shown it)."""
    return lambda: all(change != "—" for _, change in watchlist_rows(app).values())


def watching(pilot: Pilot[int]) -> tuple[TuichartApp, Watch]:
    """The app a snapshot runs, and a watch that hears its messages."""
    app = pilot.app
    assert isinstance(app, TuichartApp)
    watch = Watch()
    watch.follow(app)
    return app, watch


def ready(*steps: tuple[str, str, str], forming: bool = True) -> Before:
    """Wait for the chart; press each step's key and wait for the chart of its (symbol, interval); then for quotes."""

    async def run_before(pilot: Pilot[int]) -> None:
        app, watch = watching(pilot)
        await watch.until(chart_shown(app))
        for key, symbol, interval in steps:
            await pilot.press(key)
            await watch.until(chart_shown(app, symbol, interval, forming=forming))
        await watch.until(quotes_shown(app), "the quotes")
        await pilot.pause(0.3)

    return run_before


def test_main_screen(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app, store = app_on(tmp_path, frozen)
    assert snap_compare(app, terminal_size=SIZE, run_before=ready())
    store.close()


def test_symbol_switch(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app, store = app_on(tmp_path, frozen)
    steps = [("j", symbol, "1m") for symbol in ("ETHUSDT", "SOLUSDT", "XRPUSDT", "SHIBUSDT")]  # SHIBUSDT near 1e-5
    assert snap_compare(app, terminal_size=SIZE, run_before=ready(*steps))
    store.close()


def test_interval_switch(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app, store = app_on(tmp_path, frozen)
    assert snap_compare(app, terminal_size=SIZE, run_before=ready(("5", "BTCUSDT", "1h")))
    store.close()


def test_cursor_legend(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app, store = app_on(tmp_path, frozen)
    steps = [(key, "BTCUSDT", "1m") for key in ("H", "H", "h", "h", "h", "plus")]
    assert snap_compare(app, terminal_size=SIZE, run_before=ready(*steps, forming=False))
    store.close()


def test_panes_toggled(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app, store = app_on(tmp_path, frozen, hidden_panes=frozenset({"macd", "bb"}))
    assert snap_compare(app, terminal_size=SIZE, run_before=ready(("t", "BTCUSDT", "1m")))  # and Heikin-Ashi
    store.close()


def test_help(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app, store = app_on(tmp_path, frozen)
    assert snap_compare(app, press=["question_mark"], terminal_size=SIZE, run_before=ready())
    store.close()


def test_add_and_remove_symbol(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app, store = app_on(tmp_path, frozen)

    async def run_before(pilot: Pilot[int]) -> None:
        await ready()(pilot)
        _, watch = watching(pilot)
        await pilot.press("a", "a", "d", "a", "enter")
        await watch.until(lambda: "ADAUSDT" in watchlist_rows(app), "ADAUSDT in the watchlist")
        await pilot.press("j", "d")  # ETHUSDT goes: the chart moves to the next symbol
        await watch.until(chart_shown(app, "SOLUSDT"))
        await watch.until(quotes_shown(app), "the quotes")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    store.close()


def test_tiny_terminal(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app, store = app_on(tmp_path, frozen)
    assert snap_compare(app, terminal_size=(100, 24), run_before=ready())
    store.close()


def test_disconnected(snap_compare: Snap, tmp_path: Path) -> None:
    assert run_cli("import", *VISION_ZIPS, "--data-dir", tmp_path / "data").returncode == 0
    app, store = build_app(tmp_path, "http://127.0.0.1:9", ["BTCUSDT"], Interval.M1, label="test exchange")

    async def run_before(pilot: Pilot[int]) -> None:
        _, watch = watching(pilot)
        await watch.until(lambda: "● offline" in status_text(app) and candles_drawn(app), "stored candles, offline")
        await watch.until(lambda: stored_shown(app) > 0, "the stored count")
        await watch.until(lambda: watchlist_rows(app)["BTCUSDT"][0] != "—", "the stored close")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    store.close()


def test_alerts_screen(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    """The rules with the price level drawn on the candles behind (orange), the RSI level on its pane."""
    rules = rules_from_config(
        [
            {"id": "btc-break", "symbol": "BTCUSDT", "interval": "1m", "when": "price crosses above 56100"},
            {"id": "hot", "symbol": "*", "interval": "15m", "when": "rsi above 65", "cooldown": "1h", "on": "tick"},
        ]
    )
    app, store = app_on(tmp_path, frozen, alerts=rules, save_choices=False)

    async def run_before(pilot: Pilot[int]) -> None:
        await ready()(pilot)
        _, watch = watching(pilot)
        await pilot.press("A")
        await watch.until(lambda: isinstance(app.screen, AlertsScreen), "the alerts screen")
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    store.close()
