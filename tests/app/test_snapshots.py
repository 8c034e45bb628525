"""SVG snapshots of the app at a fixed size, on a frozen synthetic market (the same picture every run).

Regenerate after an intended change with `pytest tests/app/test_snapshots.py --snapshot-update` and review the
SVGs in `__snapshots__/` before committing them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.app.helpers import ThreadedExchange, build_app, chart_ready, exchange, wait_for
from tests.cli.helpers import run_cli
from tests.data_paths import VISION_ZIPS
from tuichart.alerts.rules import rules_from_config
from tuichart.domain import Interval
from tuichart.tui import TuichartApp
from tuichart.tui.screens.alerts import AlertsScreen

SIZE = (150, 46)
Snap = Callable[..., bool]


@pytest.fixture(scope="module")
def frozen() -> Iterator[ThreadedExchange]:
    with exchange() as ex:
        yield ex


def app_on(tmp_path: Path, ex: ThreadedExchange, **kw: object) -> TuichartApp:
    return build_app(tmp_path, ex.url, label="test exchange", **kw)


def quotes_shown(app: TuichartApp) -> bool:
    """Every watchlist row has its 24 h change and the once-a-second repaint has shown it."""
    return all(math.isfinite(q.change_pct) for q in app.quotes.values()) and not app.model._quotes_dirty


def ready(*keys: str) -> Callable[[Pilot], object]:
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, TuichartApp)
        await wait_for(pilot, chart_ready(app))
        for key in keys:
            await pilot.press(key)
            await wait_for(pilot, chart_ready(app))
        await wait_for(pilot, lambda: quotes_shown(app))
        await pilot.pause(0.3)

    return run_before


def test_main_screen(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app = app_on(tmp_path, frozen)
    assert snap_compare(app, terminal_size=SIZE, run_before=ready())
    app.store.close()


def test_symbol_switch(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app = app_on(tmp_path, frozen)
    assert snap_compare(app, terminal_size=SIZE, run_before=ready("j", "j", "j", "j"))  # SHIBUSDT near 1e-5
    app.store.close()


def test_interval_switch(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app = app_on(tmp_path, frozen)
    assert snap_compare(app, terminal_size=SIZE, run_before=ready("5"))  # 1h
    app.store.close()


def test_cursor_legend(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app = app_on(tmp_path, frozen)
    assert snap_compare(app, terminal_size=SIZE, run_before=ready("H", "H", "h", "h", "h", "plus"))
    app.store.close()


def test_panes_toggled(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app = app_on(tmp_path, frozen, hidden_panes=frozenset({"macd", "bb"}))
    assert snap_compare(app, terminal_size=SIZE, run_before=ready("t"))  # and Heikin-Ashi
    app.store.close()


def test_help(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app = app_on(tmp_path, frozen)
    assert snap_compare(app, press=["question_mark"], terminal_size=SIZE, run_before=ready())
    app.store.close()


def test_add_and_remove_symbol(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app = app_on(tmp_path, frozen)

    async def run_before(pilot: Pilot) -> None:
        await ready()(pilot)  # type: ignore[misc]
        await pilot.press("a", "a", "d", "a", "enter")
        await wait_for(pilot, lambda: "ADAUSDT" in app.watchlist)
        await pilot.press("j", "d")
        await wait_for(pilot, chart_ready(app))
        await wait_for(pilot, lambda: quotes_shown(app))
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    app.store.close()


def test_tiny_terminal(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    app = app_on(tmp_path, frozen)
    assert snap_compare(app, terminal_size=(100, 24), run_before=ready())
    app.store.close()


def test_disconnected(snap_compare: Snap, tmp_path: Path) -> None:
    assert run_cli("import", *VISION_ZIPS, "--data-dir", tmp_path / "data").returncode == 0
    app = build_app(tmp_path, "http://127.0.0.1:9", ["BTCUSDT"], Interval.M1, label="test exchange")

    async def run_before(pilot: Pilot) -> None:
        await wait_for(pilot, lambda: app._last_status.state == "offline" and app.current_key in app.charts)
        await wait_for(pilot, lambda: app.quotes["BTCUSDT"].last == app.quotes["BTCUSDT"].last)  # stored close shown
        await wait_for(pilot, lambda: not app._dirty and not app.model._quotes_dirty)
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    app.store.close()


def test_alerts_screen(snap_compare: Snap, tmp_path: Path, frozen: ThreadedExchange) -> None:
    """The rules with the price level drawn on the candles behind (orange), the RSI level on its pane."""
    rules = rules_from_config(
        [
            {"id": "btc-break", "symbol": "BTCUSDT", "interval": "1m", "when": "price crosses above 56100"},
            {"id": "hot", "symbol": "*", "interval": "15m", "when": "rsi above 65", "cooldown": "1h", "on": "tick"},
        ]
    )
    app = app_on(tmp_path, frozen, alerts=rules, save_choices=False)

    async def run_before(pilot: Pilot) -> None:
        await ready()(pilot)  # type: ignore[misc]
        await pilot.press("A")
        await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen))
        await pilot.pause(0.3)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
    app.store.close()
