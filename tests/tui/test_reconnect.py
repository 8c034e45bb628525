"""The app's status bar while it waits to reconnect: the seconds count down to the next try."""

from __future__ import annotations

import re
from functools import partial
from pathlib import Path

import msgspec

from tests.tui.helpers import FAST_NETWORK, build_app, exchange, running
from tests.tui.screen import chart_shown, status_text


async def test_reconnect_countdown_counts_down_each_second(tmp_path: Path) -> None:
    with exchange() as ex:
        slow = msgspec.structs.replace(FAST_NETWORK, reconnect_initial=4.0, reconnect_cap=4.0)  # one wait of 2 to 4 s
        async with running(*build_app(tmp_path, ex.url, network=slow)) as run:
            app = run.app
            await run.until(chart_shown(app))
            ex.run(lambda: ex.exchange.inject("drop", 1.0))
            await run.until(lambda: "● reconnecting" in status_text(app), "reconnecting")
            shown: list[int] = []

            def back_live() -> bool:
                status = status_text(app)
                m = re.search(r"reconnecting in (\d+) s", status)
                if m and (not shown or int(m.group(1)) != shown[-1]):
                    shown.append(int(m.group(1)))
                return "● live" in status

            await run.until(back_live, "live again", timeout=30)
    assert len(shown) >= 2, shown
    assert shown == sorted(shown, reverse=True) and len(set(shown)) == len(shown), shown
    assert shown[-1] == 1 and shown[0] <= 4, shown


async def test_the_status_bar_counts_the_bad_frames_it_dropped(tmp_path: Path) -> None:
    with exchange() as ex:
        async with running(*build_app(tmp_path, ex.url)) as run:
            app = run.app
            await run.until(chart_shown(app))
            assert "dropped" not in status_text(app)
            for kind in ("garbage", "future", "garbage"):  # two unreadable frames each, one unsound kline per series
                ex.run(partial(ex.exchange.inject, kind, 0.0))
            sent = ex.exchange.hub.hostile_sent.total()
            assert sent >= 5

            def dropped() -> int:
                m = re.search(r"(\d+) bad frames? dropped", status_text(app))
                return int(m.group(1)) if m else 0

            await run.until(lambda: dropped() == sent, f"{sent} bad frames dropped")
            await run.pilot.pause(0.5)  # and no more: the count is of what was dropped, once each
            assert dropped() == sent == ex.exchange.hub.hostile_sent.total()
