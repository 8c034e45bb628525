"""A running app holds one candle list and one indicator state per series: the chart on screen, the stored
indicator rows and the alert rules all read the same one."""

from __future__ import annotations

import gc
from pathlib import Path

import duckdb

from tests.tui.helpers import build_app, exchange, running
from tests.tui.screen import chart_shown, stored_shown
from tuichart.alerts.rules import AlertRule
from tuichart.domain import Interval, SeriesKey
from tuichart.indicators import LiveIndicators
from tuichart.indicators.track import IndicatorTrack
from tuichart.series import Series
from tuichart.store import STORE_FILE

BTC = SeriesKey("BTCUSDT", Interval.M1)
ETH = SeriesKey("ETHUSDT", Interval.M1)
KINDS = (IndicatorTrack, Series, LiveIndicators)


def alive(kind: type[object], before: set[int]) -> list[object]:
    """The objects of `kind` alive now (after a collection, frozen ones included), leaving out those in `before`."""
    gc.unfreeze()  # the app freezes what it holds at start; a frozen object is not listed
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, kind) and id(o) not in before]


async def test_the_chart_the_stored_rows_and_the_rules_share_one_state_per_series(tmp_path: Path) -> None:
    rules = [
        AlertRule.make("rsi", "BTCUSDT", "1m", "rsi crosses 50"),
        AlertRule.make("tick", "BTCUSDT", "1m", "price above 1000000000", on="tick"),  # every forming push too
    ]
    earlier = {id(o) for kind in KINDS for o in alive(kind, set())}  # left alive by other tests
    with exchange(speed=300.0) as ex:  # five 1m candles close a second
        app, store = build_app(tmp_path, ex.url, symbols=["BTCUSDT", "ETHUSDT"], alerts=rules, save_choices=False)
        async with running(app, store) as run:
            await run.until(chart_shown(app))
            first = stored_shown(app)
            await run.until(lambda: stored_shown(app) >= first + 5, "five more candles stored")
            await run.until(lambda: any(t == "alert rsi" for t, _ in run.watch.notes), "the rsi alert")
            tracks, series, states = (alive(kind, earlier) for kind in KINDS)
            chart = app.model.chart
            assert chart is not None
            shown = {t.series.key: t for t in tracks if isinstance(t, IndicatorTrack)}
            i = len(chart.series.closed) - 1
            newest, rsi = chart.candle(i).open_time, chart.value("rsi", i)

    assert len(tracks) == len(shown) == 2 and set(shown) == {BTC, ETH}  # one state per series streamed
    assert sorted(id(s) for s in series) == sorted(id(t.series) for t in shown.values())  # one candle list each
    assert sorted(id(s) for s in states) == sorted(id(t.live) for t in shown.values())  # one TA-Lib state each
    assert chart.series is shown[BTC].series and len(chart.series.closed) > 1000  # the chart draws that state
    with duckdb.connect(str(tmp_path / "data" / STORE_FILE), read_only=True) as con:
        row = con.execute(
            "SELECT rsi FROM indicators WHERE symbol = 'BTCUSDT' AND epoch_ms(open_time) = ?", [newest]
        ).fetchone()
        fired = con.execute("SELECT rule_id, source FROM alerts_fired").fetchall()
    assert row is not None and abs(row[0] - rsi) <= 1e-9  # the stored row is the value the chart shows
    assert ("rsi", "app") in fired
