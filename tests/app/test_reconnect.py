"""The app's status bar while it waits to reconnect: the seconds count down to the next try."""

from __future__ import annotations

import re
from pathlib import Path

import msgspec

from tests.app.helpers import FAST_NETWORK, build_app, chart_ready, exchange, wait_for
from tuichart.tui.widgets.status import render_status


async def test_reconnect_countdown_counts_down_each_second(tmp_path: Path) -> None:
    with exchange() as ex:
        slow = msgspec.structs.replace(FAST_NETWORK, reconnect_initial=4.0, reconnect_cap=4.0)  # one wait of 2 to 4 s
        app = build_app(tmp_path, ex.url, network=slow)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            ex.run(lambda: ex.exchange.inject("drop", 1.0))
            await wait_for(pilot, lambda: app.status.state == "reconnecting")
            shown: list[int] = []

            def back_live() -> bool:
                status = render_status(app._last_status).plain
                m = re.search(r"reconnecting in (\d+) s", status)
                if m and (not shown or int(m.group(1)) != shown[-1]):
                    shown.append(int(m.group(1)))
                return app.status.state == "live"

            await wait_for(pilot, back_live, timeout=30)
        app.store.close()
    assert len(shown) >= 2, shown
    assert shown == sorted(shown, reverse=True) and len(set(shown)) == len(shown), shown
    assert shown[-1] == 1 and shown[0] <= 4, shown


async def test_the_status_bar_counts_the_bad_frames_it_dropped(tmp_path: Path) -> None:
    with exchange() as ex:
        app = build_app(tmp_path, ex.url)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for(pilot, chart_ready(app))
            assert "dropped" not in render_status(app._last_status).plain
            for kind in ("garbage", "future", "garbage"):  # two unreadable frames each, one unsound kline per series
                ex.run(lambda kind=kind: ex.exchange.inject(kind, 0.0))
            await wait_for(pilot, lambda: "bad frames dropped" in render_status(app._last_status).plain)
            await pilot.pause(0.5)
            shown = re.search(r"(\d+) bad frames dropped", render_status(app._last_status).plain)
            assert app.engine is not None
            assert shown and int(shown.group(1)) == app.engine.dropped >= 5
            assert app.engine.dropped == ex.exchange.hub.hostile_sent.total()
        app.store.close()
