"""What a recorder's engine pushed lately: each series' forming and newest closed candles, each symbol's ticker."""

from __future__ import annotations

from collections import deque

from tuichart.domain import Candle, FiredAlert, KlineEvent, SeriesKey, TickerEvent
from tuichart.engine.feed import FeedEvent

RECENT_CLOSED = 4
"""Closed candles kept per series: more than stay queued for the store between two commits."""


class RecentPushes:
    """Folds the engine's events in (on its loop), so REST answers hold what the store has not committed yet."""

    def __init__(self) -> None:
        self.forming: dict[SeriesKey, Candle] = {}
        self.closed: dict[SeriesKey, deque[Candle]] = {}
        self.tickers: dict[str, TickerEvent] = {}
        self.fired: list[FiredAlert] = []
        """Alerts fired since the recorder started, in order (an attached app asks for those after the nth)."""

    def __call__(self, ev: FeedEvent) -> None:
        """Remember a push."""
        if isinstance(ev, KlineEvent):
            if ev.closed:
                recent = self.closed.get(ev.key)
                if recent is None:
                    recent = self.closed[ev.key] = deque(maxlen=RECENT_CLOSED)
                if not recent or recent[-1].open_time < ev.candle.open_time:
                    recent.append(ev.candle)
                forming = self.forming.get(ev.key)
                if forming is not None and forming.open_time <= ev.candle.open_time:
                    del self.forming[ev.key]
            else:
                self.forming[ev.key] = ev.candle
        elif isinstance(ev, TickerEvent):
            self.tickers[ev.symbol] = ev

    def newest(self, key: SeriesKey) -> list[Candle]:
        """The series' newest closed candles and its forming one, oldest first."""
        out = list(self.closed.get(key, ()))
        forming = self.forming.get(key)
        if forming is not None and (not out or forming.open_time > out[-1].open_time):
            out.append(forming)
        return out
