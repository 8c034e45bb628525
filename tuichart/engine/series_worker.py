"""Each series' candles and indicator state on a thread of their own: stored rows and alert rules read the same."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence

from tuichart.alerts.rules import AlertRule
from tuichart.domain import KlineEvent
from tuichart.engine.alert_runner import AlertRunner
from tuichart.indicators import DEFAULT_STUDIES
from tuichart.indicators.book import IndicatorBook
from tuichart.store import StoreWriter
from tuichart.store.schema import INDICATOR_COLUMNS

log = logging.getLogger(__name__)

assert tuple(c for s in DEFAULT_STUDIES for c in s.columns) == INDICATOR_COLUMNS  # the table's contract

_Item = KlineEvent | Callable[[], None] | None


class SeriesWorker:
    """Takes pushes from the engine's loop; a thread folds each into its series' one track (the indicator book):
    a closed candle and its indicator row go to the store writer, and the alert rules evaluate the same track.

    Every push of a series the rules watch is queued, forming ones included, so rules on ticks see every push
    even when a screen skips some. The book warms a series up from the store, so it runs here, not on the loop.
    """

    def __init__(
        self,
        writer: StoreWriter,
        book: IndicatorBook,
        *,
        alerts: AlertRunner | None = None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        self.writer = writer
        self.book = book
        self.alerts = alerts
        self._on_error = on_error
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="series", daemon=True)
        self._thread.start()

    def put(self, event: KlineEvent) -> None:
        """Queue a push: closed candles of every series, forming ones of the series the rules watch."""
        self._queue.put(event)

    def set_rules(self, rules: Sequence[AlertRule], symbols: Sequence[str]) -> None:
        """Evaluate these rules from the next queued push on, `*` standing for `symbols`."""
        if self.alerts is not None:
            rules, symbols = list(rules), list(symbols)
            self._queue.put(lambda: self._set_rules(rules, symbols))

    def _set_rules(self, rules: list[AlertRule], symbols: list[str]) -> None:
        assert self.alerts is not None
        self.alerts.engine.set_symbols(symbols)
        self.alerts.engine.set_rules(rules)

    def close(self) -> None:
        """Store and evaluate what is queued, then stop; the writer writes what it holds."""
        self._queue.put(None)
        self._thread.join()
        self.writer.close()

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                if isinstance(item, KlineEvent):
                    self._fold(item)
                else:
                    item()
            except Exception:  # the runner and the writer report their own errors; this keeps the thread alive
                log.exception("series worker failed")

    def _fold(self, event: KlineEvent) -> None:
        key = event.key
        if event.closed:
            self.writer.put(key, event.candle)
        wanted = self.alerts.engine.wants(key) if self.alerts is not None else None
        if not event.closed and wanted is None:
            return
        try:
            track = self.book.track(key, event.candle.open_time, wanted[0] if wanted else 0)
        except Exception as exc:  # the candle is kept; its indicator row is missing (a rebuild fills it)
            log.exception("indicators for %s failed", key)
            if self.alerts is not None and wanted is not None:
                self.alerts.stop(key, exc)
            if self._on_error is not None:
                self._on_error(exc)
            return
        if self.alerts is not None and wanted is not None:
            self.alerts.attach(key, track)
        change, rows = track.apply(event, peek=wanted is not None and wanted[1])
        if event.closed and rows:
            self.writer.put_indicators(key, rows)
        if self.alerts is not None and wanted is not None:
            self.alerts.on_change(event, change, rows, track)
