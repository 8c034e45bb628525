"""Closed candles and their indicator rows into the store, on a thread of their own."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

from tuichart.domain import KlineEvent
from tuichart.engine.indicator_book import IndicatorBook
from tuichart.store import StoreWriter

log = logging.getLogger(__name__)


class Persister:
    """Takes closed-candle events from any thread; a background thread computes indicator rows and writes both.

    The indicator book reads warm-up history from DuckDB, so it runs here rather than on the caller's loop.
    """

    def __init__(
        self, writer: StoreWriter, book: IndicatorBook, *, on_error: Callable[[Exception], None] | None = None
    ) -> None:
        self.writer = writer
        self._book = book
        self._on_error = on_error
        self._queue: queue.Queue[KlineEvent | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="persister", daemon=True)
        self.received = 0
        self._thread.start()

    def put(self, event: KlineEvent) -> None:
        """Queue a closed candle."""
        self.received += 1
        self._queue.put(event)

    @property
    def written(self) -> int:
        """Candles written so far."""
        return self.writer.written

    def close(self) -> None:
        """Write everything queued, then stop."""
        self._queue.put(None)
        self._thread.join()
        self.writer.close()

    def _run(self) -> None:
        while (event := self._queue.get()) is not None:
            self.writer.put(event.key, event.candle)
            try:
                self.writer.put_indicators(event.key, self._book.on_closed(event))
            except Exception as exc:  # the candle is kept; only its indicator row is missing (rebuild fills it)
                log.exception("indicators for %s failed", event.key)
                if self._on_error is not None:
                    self._on_error(exc)
