"""Messages the app's workers post; forming updates of one series coalesce while the UI is busy."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from textual.message import Message

from tuichart.binance.presets import Endpoints
from tuichart.binance.protocol import Ticker24h
from tuichart.domain import FiredAlert, KlineEvent, TickerEvent
from tuichart.engine.feed import FeedEvent
from tuichart.engine.history import History
from tuichart.jobs.scan import ScanRow


@dataclass
class FeedArrived(Message):
    """One event from the market feed."""

    event: FeedEvent

    def can_replace(self, message: Message) -> bool:
        """A newer forming update (or ticker) of the same series makes the pending one pointless."""
        if not isinstance(message, FeedArrived):
            return False
        new, old = self.event, message.event
        if isinstance(new, KlineEvent) and isinstance(old, KlineEvent):
            return not new.closed and not old.closed and new.key == old.key
        if isinstance(new, TickerEvent) and isinstance(old, TickerEvent):
            return new.symbol == old.symbol
        return False


@dataclass
class ExchangeReady(Message):
    """The exchange's endpoints are known (and the in-process demo exchange is up)."""

    endpoints: Endpoints


@dataclass
class SessionStarted(Message):
    """The feed is set up; these symbols of the watchlist are not trading there."""

    unknown: list[str]


@dataclass
class TickersLoaded(Message):
    """24 h tickers fetched over REST."""

    tickers: list[Ticker24h]


@dataclass
class HistoryLoaded(Message):
    """Closed candles for a series, from the store (filled over REST when short)."""

    history: History
    stored: int
    shown: threading.Event | None = None
    """Set once the screen has been refreshed with this history (the worker waits for it before fetching)."""


@dataclass
class QuotesLoaded(Message):
    """Last stored closes, to fill the watchlist when offline."""

    last: dict[str, float]


@dataclass
class AlertFired(Message):
    """A rule fired (evaluated on the alert thread)."""

    alert: FiredAlert


@dataclass
class AlertNote(Message):
    """Something the alert thread wants the user to know (a rule switched off, a series' alerts stopped)."""

    text: str


@dataclass
class FiredLoaded(Message):
    """The alerts fired lately, read from the store."""

    fired: list[FiredAlert]


@dataclass
class ScanLoaded(Message):
    """The market scan read for the scan screen (or why it could not be)."""

    rows: list[ScanRow]
    error: str = ""
