"""A running engine holds one candle list and one indicator state per series: the stored indicator rows and the
alert rules are computed from the same track."""

from __future__ import annotations

import gc
from pathlib import Path

import duckdb

from tests.data_paths import VISION_ZIPS
from tuichart.alerts.rules import AlertRule
from tuichart.binance.presets import resolve_exchange
from tuichart.binance.vision import read_kline_file
from tuichart.config_schema import NetworkSettings
from tuichart.domain import FiredAlert, Interval, KlineEvent, SeriesKey
from tuichart.engine.builder import EngineHooks, build_engine
from tuichart.engine.engine import EngineOptions
from tuichart.engine.feed import FeedEvent
from tuichart.engine.policies import rest_client
from tuichart.exchange import EmbeddedExchange, replay_market
from tuichart.indicators import DEFAULT_STUDIES, arrays_from_candles, compute
from tuichart.indicators.track import IndicatorTrack
from tuichart.series import Series
from tuichart.store import STORE_FILE, Store
from tuichart.store.schema import INDICATOR_COLUMNS

DAY1 = 1577836800000
MINUTE = 60_000
KEY = SeriesKey("BTCUSDT", Interval.M1)
NETWORK = NetworkSettings(retry_scale=0.001, close_grace=1.0)


def live(kind: type[object], before: set[int] | None = None) -> list[object]:
    """The objects of `kind` alive now (after a collection), leaving out those in `before` (by id)."""
    gc.collect()
    return [o for o in gc.get_objects() if isinstance(o, kind) and id(o) not in (before or set())]


async def test_stored_rows_and_alert_rules_share_one_track_per_series(tmp_path: Path) -> None:
    market = replay_market(VISION_ZIPS, speed=600, start_ms=DAY1 + 1440 * MINUTE)  # ten candles a second
    rules = [
        AlertRule.make("rsi", "BTCUSDT", "1m", "rsi crosses 50"),
        AlertRule.make("close", "BTCUSDT", "1m", "close crosses 7200", on="tick"),
    ]
    fired: list[FiredAlert] = []
    closed: list[KlineEvent] = []

    def seen(ev: FeedEvent) -> None:
        if isinstance(ev, KlineEvent) and ev.closed:
            closed.append(ev)

    earlier = {id(o) for kind in (IndicatorTrack, Series) for o in live(kind)}  # left alive by other tests
    day1 = read_kline_file(VISION_ZIPS[0])  # stored before the run: the track warms up from it
    store = Store.open(tmp_path)
    store.upsert(KEY, day1)
    async with EmbeddedExchange(market) as ex:
        engine = build_engine(
            rest_client(resolve_exchange(ex.url), NETWORK),
            store,
            EngineOptions(NETWORK, max_backfill=600),
            rules=rules,
            source="record",
            hooks=EngineHooks(on_fired=fired.append),
        )
        engine.subscribe(seen)
        await engine.start(["BTCUSDT"], Interval.M1)
        await engine.run(duration=4.0)
        await engine.finish()
        tracks, series = live(IndicatorTrack, earlier), live(Series, earlier)
        await engine.close()
    store.close()

    assert len(tracks) == 1 and len(series) == 1  # one list of candles, one TA-Lib state, for rows and rules
    track = tracks[0]
    assert isinstance(track, IndicatorTrack) and track.series is series[0] and track.series.key == KEY
    assert track.keep == len(track.series.closed) == 500

    con = duckdb.connect(str(tmp_path / STORE_FILE), read_only=True)
    stored = con.execute(
        f"SELECT epoch_ms(open_time), {', '.join(INDICATOR_COLUMNS)} FROM indicators ORDER BY open_time"
    ).fetchall()
    candles = con.execute("SELECT count(*) FROM klines").fetchone()
    fired_rows = con.execute("SELECT rule_id FROM alerts_fired").fetchall()
    con.close()
    live_closes = sorted({ev.candle.open_time: ev.candle for ev in closed}.values(), key=lambda c: c.open_time)
    assert len(live_closes) >= 10
    assert candles is not None and candles[0] == len(day1) + len(stored)  # each new candle with its row
    assert [r[0] for r in stored] == [c.open_time for c in live_closes]
    history = [*day1, *live_closes]
    expected = compute(arrays_from_candles(history), DEFAULT_STUDIES)
    newest = stored[-1]
    for j, name in enumerate(INDICATOR_COLUMNS):  # the rows come from the same track the rules read
        assert abs(newest[j + 1] - expected[name][-1]) <= 1e-9 * history[-1].close, name
    assert fired and sorted(r[0] for r in fired_rows) == sorted(a.rule_id for a in fired)
