"""Each series' one state, on the engine's loop: stored indicator rows, alert rules and charts read the same track."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence

from tuichart.alerts.rules import AlertRule
from tuichart.domain import Candle, HistoryLoader, KlineEvent, SeriesKey
from tuichart.engine.alert_runner import AlertRunner
from tuichart.indicators import DEFAULT_STUDIES, MIN_WARMUP, Study
from tuichart.indicators.track import IndicatorRow, IndicatorTrack
from tuichart.store import StoreWriter
from tuichart.store.schema import INDICATOR_COLUMNS

log = logging.getLogger(__name__)

STORED = len(INDICATOR_COLUMNS)
assert tuple(c for s in DEFAULT_STUDIES for c in s.columns) == INDICATOR_COLUMNS  # the table's contract


class SeriesBook:
    """One `IndicatorTrack` per series, owned by the engine's event loop (not thread-safe).

    Every closed candle goes to the store writer with its indicator row; the alert rules evaluate the same track
    (forming pushes too for the series they watch); a chart draws it (`load` hands it a chart's history, and from
    then on it keeps every candle, their values and the forming candle's). A series is warmed up from the store on
    first use in a thread; pushes arriving meanwhile wait and are folded in order after it.
    """

    def __init__(
        self, load_history: HistoryLoader | None, *, studies: Sequence[Study] = DEFAULT_STUDIES, keep: int = MIN_WARMUP
    ) -> None:
        """`studies` are the charts' (computed beside the stored ones); `load_history` None: a series starts from
        no history (a book no engine feeds)."""
        self.studies = tuple(dict.fromkeys([*DEFAULT_STUDIES, *studies]))
        self.writer: StoreWriter | None = None
        self.alerts: AlertRunner | None = None
        self._load = load_history
        self._keep = max(keep, MIN_WARMUP)
        self._on_error: Callable[[Exception], None] | None = None
        self._tracks: dict[SeriesKey, IndicatorTrack] = {}
        self._waiting: dict[SeriesKey, list[KlineEvent]] = {}
        self._warming: dict[SeriesKey, asyncio.Task[None]] = {}

    def bind(
        self,
        writer: StoreWriter,
        alerts: AlertRunner | None,
        on_error: Callable[[Exception], None] | None = None,
    ) -> None:
        """Store closed candles with this writer and evaluate these alert rules (the engine's, once it is built);
        `on_error` hears a warm-up that failed (on the thread that read it)."""
        self.writer, self.alerts, self._on_error = writer, alerts, on_error

    @property
    def tracks(self) -> Mapping[SeriesKey, IndicatorTrack]:
        """The tracks held, by series."""
        return self._tracks

    # ---- pushes ----------------------------------------------------------------------------------------

    def apply(self, event: KlineEvent) -> None:
        """Fold a push in: every closed candle is stored; forming ones count for watched or charted series."""
        key = event.key
        if event.closed and self.writer is not None:
            self.writer.put(key, event.candle)
        waiting = self._waiting.get(key)
        if waiting is not None:
            waiting.append(event)
            return
        wanted = self._wants(key)
        track = self._tracks.get(key)
        if not event.closed and wanted is None and (track is None or track.values is None):
            return
        need = wanted[0] if wanted is not None else 0
        if self._load is None:  # nothing to warm up from
            if track is None:
                track = self._tracks[key] = IndicatorTrack(key, (), keep=self._keep, studies=self.studies)
        elif track is None or track.keep < need:
            self._waiting[key] = [event]
            self._warm(key, event.candle.open_time, max(need, self._keep))
            return
        self._fold(track, event, wanted)

    def _wants(self, key: SeriesKey) -> tuple[int, bool] | None:
        return self.alerts.engine.wants(key) if self.alerts is not None else None

    def _fold(self, track: IndicatorTrack, event: KlineEvent, wanted: tuple[int, bool] | None) -> None:
        key = event.key
        if self.alerts is not None and wanted is not None:
            self.alerts.attach(key, track)
        change, rows = track.apply(event, peek=wanted is not None and wanted[1])
        if event.closed and rows and self.writer is not None:
            self.writer.put_indicators(key, _stored(rows))
        if self.alerts is not None and wanted is not None:
            self.alerts.on_change(event, change, rows, track)

    def _warm(self, key: SeriesKey, before: int, keep: int) -> None:
        self._warming[key] = asyncio.get_running_loop().create_task(self._warmed(key, before, keep))

    async def _warmed(self, key: SeriesKey, before: int, keep: int) -> None:
        try:
            history = await asyncio.to_thread(self._read, key, before, keep)
        except Exception as exc:  # the candles are stored; their rows are missing (a rebuild fills them)
            history = None
            if self.alerts is not None and self._wants(key) is not None:
                self.alerts.stop(key, exc)
        finally:
            self._warming.pop(key, None)
        waiting = self._waiting.pop(key, [])
        if history is None:
            return
        track = self._tracks.get(key)
        if track is None:
            track = self._tracks[key] = IndicatorTrack(key, history, keep=keep, studies=self.studies)
            run = _closed_run(waiting, history[-1].open_time if history else None)
            if len(run) > 1 and self._wants(key) is None:  # a backfilled page no rule watches: one batch
                rows = track.fold_closed([e.candle for e in run])
                if self.writer is not None:
                    self.writer.put_indicators(key, _stored(rows))
                waiting = waiting[len(run) :]
        elif track.keep < keep:
            track.keep = keep
            track.load(history)
        for event in waiting:
            self._fold(track, event, self._wants(key))

    def _read(self, key: SeriesKey, before: int, keep: int) -> list[Candle]:
        assert self._load is not None
        try:
            return list(self._load(key, before, keep))
        except Exception as exc:
            log.exception("indicators for %s failed", key)
            if self._on_error is not None:
                self._on_error(exc)
            raise

    # ---- charts ----------------------------------------------------------------------------------------

    def load(self, key: SeriesKey, candles: Sequence[Candle], early: Sequence[KlineEvent] = ()) -> IndicatorTrack:
        """The series' track holding a chart's history (and, from now on, every candle with its values); `early`
        are forming pushes a screen kept while the history loaded."""
        track = self._tracks.get(key)
        if track is None:
            track = IndicatorTrack(key, candles, keep=self._keep, studies=self.studies, charted=True)
            self._tracks[key] = track
        else:
            track.chart(recompute=False)  # the load computes once
            track.load(candles)
        for event in early:
            if not event.closed:  # closed ones are the book's own, never skipped
                track.apply(event)
        return track

    def release(self, key: SeriesKey) -> None:
        """No chart draws the series any more: its track goes back to holding what the rules need."""
        track = self._tracks.get(key)
        if track is not None and track.values is not None:
            wanted = self._wants(key)
            track.release(max(self._keep, wanted[0] if wanted is not None else 0))

    # ---- rules and closing ------------------------------------------------------------------------------

    def set_rules(self, rules: Sequence[AlertRule], symbols: Sequence[str]) -> None:
        """Evaluate these rules from the next push on, `*` standing for `symbols`."""
        if self.alerts is not None:
            self.alerts.engine.set_symbols(symbols)
            self.alerts.engine.set_rules(rules)

    async def close(self) -> None:
        """Fold what waits for a warm-up, then close the writer (it writes what it holds)."""
        while self._warming:
            await asyncio.gather(*self._warming.values(), return_exceptions=True)
        if self.writer is not None:
            await asyncio.to_thread(self.writer.close)


def _closed_run(events: Sequence[KlineEvent], after: int | None) -> list[KlineEvent]:
    """The leading closed pushes, each newer than the one before and than `after`."""
    run: list[KlineEvent] = []
    last = after if after is not None else -1
    for event in events:
        if not event.closed or event.candle.open_time <= last:
            break
        run.append(event)
        last = event.candle.open_time
    return run


def _stored(rows: list[IndicatorRow]) -> list[IndicatorRow]:
    """The rows as the `indicators` table keeps them (a chart's own studies come after its columns)."""
    return rows if not rows or len(rows[0][1]) == STORED else [(t, v[:STORED]) for t, v in rows]
