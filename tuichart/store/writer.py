"""Batched store writes on a background thread, so feeds and the UI never wait for DuckDB."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

from tuichart.domain import Candle, SeriesKey
from tuichart.store.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Flush:
    done: threading.Event


class StoreWriter:
    """Collects closed candles and upserts them in batches (per series, last write wins) off the caller's thread."""

    def __init__(
        self,
        store: Store,
        *,
        max_delay: float = 0.5,
        on_error: Callable[[Exception], None] | None = None,
        on_written: Callable[[SeriesKey, int], None] | None = None,
    ) -> None:
        self._store = store
        self._max_delay = max_delay
        self._on_error = on_error
        self._on_written = on_written
        self._queue: queue.Queue[tuple[SeriesKey, Candle] | _Flush | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self.written = 0
        self.failed = 0
        self._thread.start()

    def put(self, key: SeriesKey, candle: Candle) -> None:
        """Queue one closed candle."""
        self._queue.put((key, candle))

    def flush(self, timeout: float | None = None) -> bool:
        """Block until everything queued so far is written; False on timeout."""
        done = threading.Event()
        self._queue.put(_Flush(done))
        return done.wait(timeout)

    def close(self) -> None:
        """Write what is queued and stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        pending: dict[SeriesKey, dict[int, Candle]] = {}
        stop = False
        while not stop:
            item = self._queue.get()
            waiters: list[threading.Event] = []
            while True:
                if item is None:
                    stop = True
                elif isinstance(item, _Flush):
                    waiters.append(item.done)
                else:
                    pending.setdefault(item[0], {})[item[1].open_time] = item[1]
                try:
                    item = self._queue.get(timeout=0 if (stop or waiters) else self._max_delay)
                except queue.Empty:
                    break
            self._write(pending)
            pending = {}
            for w in waiters:
                w.set()

    def _write(self, pending: dict[SeriesKey, dict[int, Candle]]) -> None:
        for key, by_open in pending.items():
            candles = [by_open[t] for t in sorted(by_open)]
            try:
                self._store.upsert(key, candles)
                self.written += len(candles)
                if self._on_written is not None:
                    self._on_written(key, len(candles))
            except Exception as exc:  # a failed batch is reported, the thread keeps serving
                self.failed += len(candles)
                log.exception("store write failed for %s", key)
                if self._on_error is not None:
                    self._on_error(exc)
