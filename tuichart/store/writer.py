"""Batched store writes on a background thread, so feeds and the UI never wait for DuckDB."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from tuichart.domain import Candle, FiredAlert, SeriesKey
from tuichart.store.columns import Columns
from tuichart.store.schema import INDICATOR_COLUMNS
from tuichart.store.store import Store

log = logging.getLogger(__name__)
MAX_RETRY_DELAY = 30.0  # seconds between tries of a write that keeps failing (a full disk, a lost directory)
WRITE_ROWS = 16_000
"""Rows per transaction at most: DuckDB's commit takes memory in proportion to it, and a recorder's DuckDB has 24 MB
(measured: commits of 46,000 candles and their rows fail once the file holds 150,000; of 18,000, never to 1.9M). Not
much less: each transaction leaves DuckDB holding a little, and at 10,000 a first backfill peaked 40 MB higher."""

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class _Flush:
    done: threading.Event


@dataclass(frozen=True, slots=True)
class _Rows:
    key: SeriesKey
    rows: Sequence[tuple[int, tuple[float, ...]]]


@dataclass(frozen=True, slots=True)
class _Alerts:
    alerts: Sequence[FiredAlert]


_Item = tuple[SeriesKey, Candle] | _Rows | _Alerts | _Flush | None


class StoreWriter:
    """Collects closed candles and upserts them in batches (per series, last write wins) off the caller's thread.

    A batch is written at most `max_delay` seconds after its first item, however busy the stream: every series'
    candles in one transaction, then their indicator rows in another (a batch larger than WRITE_ROWS, as a backfill
    or a slow disk makes, in several, oldest rows first). A batch that fails stays in memory and is
    tried again, at growing intervals, until it is written or the writer closes. `on_written` hears the open times
    of each series' candles once their transaction is committed, and only then; `on_recovered` hears how many
    candles went in once writes work again after failing.
    """

    def __init__(
        self,
        store: Store,
        *,
        max_delay: float = 0.5,
        on_error: Callable[[Exception], None] | None = None,
        on_written: Callable[[SeriesKey, Sequence[int]], None] | None = None,
        on_recovered: Callable[[int], None] | None = None,
    ) -> None:
        self._store = store
        self._max_delay = max_delay
        self._on_error = on_error
        self._on_written = on_written
        self._on_recovered = on_recovered
        self._queue: queue.Queue[_Item] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="store-writer", daemon=True)
        self.written = 0
        """Candles committed to the store so far."""
        self.unwritten = 0
        """Candles still not written when the writer closed (every write of them failed)."""
        self._failing = False
        self._written_at_failure = 0
        self._thread.start()

    def put(self, key: SeriesKey, candle: Candle) -> None:
        """Queue one closed candle."""
        self._queue.put((key, candle))

    def put_indicators(self, key: SeriesKey, rows: Sequence[tuple[int, tuple[float, ...]]]) -> None:
        """Queue indicator rows (open time ms, values in `INDICATOR_COLUMNS` order); written after the candles."""
        if rows:
            self._queue.put(_Rows(key, rows))

    def put_alerts(self, alerts: Sequence[FiredAlert]) -> None:
        """Queue fired alerts for the `alerts_fired` table."""
        if alerts:
            self._queue.put(_Alerts(alerts))

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
        indicators: dict[SeriesKey, dict[int, tuple[float, ...]]] = {}
        alerts: list[FiredAlert] = []
        stop = False
        retry = self._max_delay
        while True:
            waiters: list[threading.Event] = []
            try:  # with rows kept after a failed write, wake up to try again
                item: _Item = self._queue.get(timeout=retry if pending or indicators else None)
            except queue.Empty:
                item = _Flush(threading.Event())  # nothing new: just write what is kept
            deadline = time.monotonic() + self._max_delay  # a deadline, not a quiet period: busy streams flush too
            while True:
                if item is None:
                    stop = True
                elif isinstance(item, _Flush):
                    waiters.append(item.done)
                elif isinstance(item, _Rows):
                    indicators.setdefault(item.key, {}).update(item.rows)
                elif isinstance(item, _Alerts):
                    alerts.extend(item.alerts)
                else:
                    pending.setdefault(item[0], {})[item[1].open_time] = item[1]
                left = 0.0 if (stop or waiters) else deadline - time.monotonic()
                try:
                    item = self._queue.get_nowait() if left <= 0 else self._queue.get(timeout=left)
                except queue.Empty:
                    break
            pending = self._write(pending)
            if not pending:  # indicator rows follow their candles
                indicators = self._write_indicators(indicators)
            if self._failing and not pending and not indicators:
                self._recovered()
            self._write_alerts(alerts)
            alerts = []
            retry = min(retry * 2, MAX_RETRY_DELAY) if pending or indicators else self._max_delay
            for w in waiters:
                w.set()
            if stop:
                self.unwritten = sum(len(by_open) for by_open in pending.values())
                return

    def _write(self, pending: dict[SeriesKey, dict[int, Candle]]) -> dict[SeriesKey, dict[int, Candle]]:
        """Upsert every series' candles in one transaction; returns those not written, kept to try again."""
        chunks = _chunks(pending)
        for i, chunk in enumerate(chunks):
            candles = {key: [by_open[t] for t in sorted(by_open)] for key, by_open in chunk.items()}
            try:
                self._store.upsert_series(candles)
            except Exception as exc:  # kept and tried again; reported once until a write succeeds
                self._failed(exc, "store write failed; the candles are kept and tried again")
                return _merged(chunks[i:])
            for key, written in candles.items():
                self.written += len(written)
                if self._on_written is not None:
                    self._on_written(key, [c.open_time for c in written])
        return {}

    def _failed(self, exc: Exception, what: str) -> None:
        """Report the first failure of a run of them (the rows stay kept)."""
        if not self._failing:
            self._failing = True
            self._written_at_failure = self.written
            log.exception(what)
            if self._on_error is not None:
                self._on_error(exc)

    def _recovered(self) -> None:
        """Everything kept is written: report it once, with the candles written since the first failure."""
        self._failing = False
        since = self.written - self._written_at_failure
        log.warning("store writes work again: %d candles written since the first failure", since)
        if self._on_recovered is not None:
            self._on_recovered(since)

    def _write_alerts(self, alerts: list[FiredAlert]) -> None:
        try:
            self._store.record_alerts(alerts)
        except Exception as exc:  # reported; losing an alert's record never stops the candles
            log.exception("storing %d fired alert(s) failed", len(alerts))
            if self._on_error is not None:
                self._on_error(exc)

    def _write_indicators(
        self, pending: dict[SeriesKey, dict[int, tuple[float, ...]]]
    ) -> dict[SeriesKey, dict[int, tuple[float, ...]]]:
        """Upsert every series' indicator rows in one transaction; returns them when that fails, kept to try again."""
        chunks = _chunks(pending)
        for i, chunk in enumerate(chunks):
            try:
                self._store.upsert_indicator_series({key: _indicator_columns(rows) for key, rows in chunk.items()})
            except Exception as exc:  # kept and tried again like candles
                self._failed(exc, "indicator write failed; the rows are kept and tried again")
                return _merged(chunks[i:])
        return {}


def _chunks(pending: dict[SeriesKey, dict[int, T]]) -> list[dict[SeriesKey, dict[int, T]]]:
    """The rows in transactions of at most WRITE_ROWS, each series' oldest first (a long one spans several)."""
    if sum(map(len, pending.values())) <= WRITE_ROWS:
        return [pending] if pending else []
    chunks: list[dict[SeriesKey, dict[int, T]]] = [{}]
    room = WRITE_ROWS
    for key, by_open in pending.items():
        opens = sorted(by_open)
        while opens:
            if not room:
                chunks.append({})
                room = WRITE_ROWS
            take, opens = opens[:room], opens[room:]
            chunks[-1][key] = {t: by_open[t] for t in take}
            room -= len(take)
    return chunks


def _merged(chunks: list[dict[SeriesKey, dict[int, T]]]) -> dict[SeriesKey, dict[int, T]]:
    """The rows of these transactions as one batch again (those a failed write left)."""
    if len(chunks) == 1:
        return chunks[0]
    merged: dict[SeriesKey, dict[int, T]] = {}
    for chunk in chunks:
        for key, rows in chunk.items():
            merged.setdefault(key, {}).update(rows)
    return merged


def _indicator_columns(by_open: dict[int, tuple[float, ...]]) -> Columns:
    """Indicator rows by open time as the store's columns, oldest first."""
    opens = sorted(by_open)
    values = np.array([by_open[t] for t in opens], dtype=np.float64).reshape(len(opens), len(INDICATOR_COLUMNS))
    batch = {"open_time": np.array(opens, dtype=np.int64)}
    batch.update({name: np.ascontiguousarray(values[:, i]) for i, name in enumerate(INDICATOR_COLUMNS)})
    return batch
