"""The screen model on its own: no Textual, real candles from a Binance dump, times given by the test."""

from __future__ import annotations

import math

from tests.indicators.data import vision_candles
from tuichart.binance.protocol import Ticker24h
from tuichart.domain import FeedState, FeedStatus, Interval, KlineEvent, SeriesKey, TickerEvent
from tuichart.engine.history import History
from tuichart.indicators import DEFAULT_STUDIES
from tuichart.tui.model.screen import CACHED_CHARTS, ScreenModel
from tuichart.tui.model.status import StatusData

BTC = SeriesKey("BTCUSDT", Interval.M1)
CANDLES = vision_candles()


def model(symbols: tuple[str, ...] = ("BTCUSDT", "ETHUSDT", "SOLUSDT")) -> ScreenModel:
    return ScreenModel(list(symbols), Interval.M1, DEFAULT_STUDIES, StatusData(exchange="test"))


def loaded(m: ScreenModel, key: SeriesKey, n: int = 600, *, more: bool = True) -> None:
    m.on_history(History(key, CANDLES[:n], None, more, synced=True), stored=n)


def test_pushes_before_the_history_are_kept_and_applied_once_it_arrives() -> None:
    m = model()
    forming = CANDLES[600]
    assert m.on_event(KlineEvent(BTC, forming, False, forming.close_time), now=1.0) is None
    assert m.pending[BTC] and m.chart is None
    loaded(m, BTC)
    chart = m.chart
    assert chart is not None and len(chart) == 601 and chart.candle(600) == forming
    assert BTC not in m.pending
    assert m.quotes["BTCUSDT"].last == forming.close


def test_a_closed_push_counts_as_stored_and_moves_the_chart() -> None:
    m = model()
    loaded(m, BTC)
    closed = CANDLES[600]
    chart = m.on_event(KlineEvent(BTC, closed, True, closed.close_time), now=1.0)
    assert chart is m.chart and chart is not None
    assert len(chart.series.closed) == 601 and m.status_at(1.0, hidden=[], dropped=0).stored == 601


def test_the_reconnect_countdown_counts_down_and_silence_shows_after_five_seconds() -> None:
    m = model()
    m.on_event(FeedStatus(FeedState.LIVE, "ws"), now=10.0)
    assert m.status_at(14.0, hidden=[], dropped=0).quiet_for is None
    assert m.status_at(16.0, hidden=[], dropped=3).quiet_for == 6.0
    m.on_event(FeedStatus(FeedState.RECONNECTING, "connection closed (1006)", 29.0), now=20.0)
    assert m.reconnects == 1
    assert [m.status_at(t, hidden=[], dropped=0).retry_in for t in (20.0, 30.5, 48.9, 49.0, 60.0)] == [29, 19, 1, 0, 0]
    m.on_event(FeedStatus(FeedState.LIVE, "ws"), now=50.0)
    status = m.status_at(50.0, hidden=["stoch"], dropped=2)
    assert (status.state, status.detail, status.retry_in, status.hidden, status.dropped) == (
        "live",
        "",
        None,
        "hidden for size: stoch",
        2,
    )


def test_quotes_repaint_at_most_once_a_second_with_the_chart_rsi() -> None:
    m = model()
    loaded(m, BTC)
    m.on_tickers([Ticker24h("ETHUSDT", 110.0, 100.0, 111.0, 99.0, 5.0, 500.0, 9.999, 0)])
    m.on_event(TickerEvent("SOLUSDT", 19.7, 20.0, 21.0, 19.0, 3.0, 60.0, 0), now=1.0)
    due = m.quotes_due(now=1.0)
    assert set(due) == {"ETHUSDT", "SOLUSDT"}
    assert due["ETHUSDT"].change_pct == 10.0  # from the prices, not REST's rounded percentage
    assert due["SOLUSDT"].change_pct == (19.7 - 20.0) / 20.0 * 100.0
    last = CANDLES[600]
    m.on_event(KlineEvent(BTC, last, False, last.close_time), now=1.5)
    assert m.quotes_due(now=1.5) == {}  # not yet a second since the last repaint
    due = m.quotes_due(now=2.0)
    chart = m.chart
    assert chart is not None and set(due) == {"BTCUSDT"}
    assert due["BTCUSDT"].last == last.close and due["BTCUSDT"].rsi == chart.value("rsi", len(chart) - 1)
    assert math.isfinite(due["BTCUSDT"].rsi)


def test_stored_closes_fill_only_quotes_with_nothing_live() -> None:
    m = model()
    m.on_event(TickerEvent("ETHUSDT", 2.0, 1.0, 2.0, 1.0, 1.0, 1.0, 0), now=1.0)
    m.on_stored_closes({"BTCUSDT": 5.0, "ETHUSDT": 9.0, "XRPUSDT": 1.0})
    assert (m.quotes["BTCUSDT"].last, m.quotes["ETHUSDT"].last) == (5.0, 2.0)
    assert "XRPUSDT" not in m.quotes


def test_another_interval_keeps_only_its_charts_and_drops_what_was_pending() -> None:
    m = model()
    loaded(m, BTC)
    loaded(m, SeriesKey("ETHUSDT", Interval.M1))
    assert not m.set_interval(Interval.M1)
    m.pending[BTC] = []
    assert m.set_interval(Interval.H1)
    assert not m.charts and not m.pending and m.current_key == SeriesKey("BTCUSDT", Interval.H1)
    assert m.needs_history()


def test_at_most_a_few_charts_are_held_the_one_on_screen_last() -> None:
    symbols = tuple(f"S{i}USDT" for i in range(CACHED_CHARTS + 2))
    m = model(symbols)
    for sym in symbols:
        m.select(sym)
        loaded(m, SeriesKey(sym, Interval.M1), 50)
    assert len(m.charts) == CACHED_CHARTS and list(m.charts)[-1] == m.current_key
    assert SeriesKey(symbols[0], Interval.M1) not in m.charts


def test_removing_the_symbol_on_screen_shows_the_next_one() -> None:
    m = model()
    loaded(m, BTC)
    assert not m.add_symbol("ETHUSDT") and m.add_symbol("XRPUSDT")
    assert not m.remove_symbol("SOLUSDT") and m.selected == "BTCUSDT"
    assert m.remove_symbol("BTCUSDT")
    assert m.selected == "ETHUSDT" and m.watchlist == ["ETHUSDT", "XRPUSDT"]
    assert BTC not in m.charts and "BTCUSDT" not in m.quotes


def test_paging_back_is_asked_once_near_the_oldest_candle_held() -> None:
    m = model()
    loaded(m, BTC, 1000)
    assert m.older_wanted(plot_width=100) is None  # at the live edge, far from the oldest
    chart = m.chart
    assert chart is not None
    m.viewport.home(len(chart), 100)
    assert m.older_wanted(plot_width=100) == (BTC, CANDLES[0].open_time)
    assert m.older_wanted(plot_width=100) is None  # one request at a time
    older = History(BTC, CANDLES[:0], CANDLES[0].open_time, more=False)
    m.on_history(older, stored=1000)
    assert not m.loading_older and not chart.more_history
