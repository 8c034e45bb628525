"""Evaluating alert rules on kline pushes: one indicator track per series (shared), one state per (rule, symbol).

Semantics, shared by the app and `tuichart record`:

- A rule's condition is a state per symbol; the rule fires when the state turns true having been false at the
  previous evaluation (`crosses`: when the side changes), so once per crossing, never while it stays true.
- The first evaluation is a baseline: the newest closed candle of the history loaded at warm-up (or, with no
  history, the first candle seen) only sets the state, so a restart never re-fires what was already true.
- `on = "close"` rules see closed candles; `on = "tick"` rules also see every forming candle (indicators by
  TA-Lib's `peek`). A revised or late closed candle updates the indicators but is not evaluated again.
- After firing for a symbol a rule is silent for that symbol for its cooldown, on the exchange's clock: a forming
  push counts at its event time, a closed candle at its close (however late its push or backfill arrives), so
  the app and `record` agree. A crossing inside the cooldown is swallowed; its state still counts.
- A value not computed yet (NaN) makes `above`/`below`/`outside`/`change` false and keeps a `crosses` side.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tuichart.alerts.condition import Point, fires
from tuichart.alerts.rules import AlertRule, rule_symbols
from tuichart.domain import FiredAlert, HistoryLoader, Interval, KlineEvent, SeriesKey
from tuichart.indicators import MIN_WARMUP
from tuichart.indicators.book import IndicatorBook
from tuichart.indicators.track import IndicatorRow, IndicatorTrack
from tuichart.series import Change

log = logging.getLogger(__name__)


def wall_ms() -> int:
    """Wall-clock time in ms."""
    return int(time.time() * 1000)


@dataclass(slots=True)
class _State:
    value: int | None = None
    last_fired: int | None = None


@dataclass(slots=True)
class _Watch:
    """The rules of one series and their states."""

    track: IndicatorTrack | None = None
    rules: list[AlertRule] = field(default_factory=list)
    states: dict[str, _State] = field(default_factory=dict)
    tick: bool = False


class AlertEngine:
    """Turns kline events into fired alerts; not thread-safe (call it from one thread or task)."""

    def __init__(
        self,
        rules: Sequence[AlertRule],
        load_history: HistoryLoader,
        *,
        source: str,
        symbols: Sequence[str] = (),
        clock: Callable[[], int] = wall_ms,
    ) -> None:
        """`load_history` warms up the tracks of `on_kline` (a market engine's book attaches its own instead)."""
        self._book = IndicatorBook(load_history)
        self._source = source
        self._clock = clock
        self._rules: list[AlertRule] = []
        self._symbols: list[str] = list(symbols)
        self._watches: dict[SeriesKey, _Watch] = {}
        self.disabled: dict[str, str] = {}
        """Rules switched off after an error in their evaluation: id -> the error."""
        self.set_rules(rules)

    @property
    def rules(self) -> list[AlertRule]:
        """The rules evaluated."""
        return list(self._rules)

    def set_rules(self, rules: Sequence[AlertRule]) -> None:
        """Evaluate these rules from now on; an unchanged rule keeps its state, a changed one starts a baseline."""
        self._rules = list(rules)
        self._rebuild()

    def set_symbols(self, symbols: Sequence[str]) -> None:
        """The symbols `*` stands for."""
        self._symbols = list(dict.fromkeys(symbols))
        self._rebuild()

    def keys(self) -> set[SeriesKey]:
        """The series the rules need streamed."""
        return set(self._watches)

    def on_kline(self, event: KlineEvent) -> list[FiredAlert]:
        """The alerts this push fires (warming the series up from history on its first push)."""
        wanted = self.wants(event.key)
        if wanted is None:
            return []
        track = self._book.track(event.key, event.candle.open_time, wanted[0])
        self.attach(event.key, track)
        change, rows = track.apply(event, peek=wanted[1])
        return self.on_change(event, change, rows, track)

    def wants(self, key: SeriesKey) -> tuple[int, bool] | None:
        """For a series the rules look at: the closed candles its track must hold, and whether forming candles are
        evaluated (their values peeked); None for any other series."""
        watch = self._watches.get(key)
        if watch is None or not watch.rules:
            return None
        return _history_needed(key.interval, watch.rules), watch.tick

    def attach(self, key: SeriesKey, track: IndicatorTrack) -> None:
        """Evaluate from this track, before it takes the next push; a track new to the rules sets their baseline
        from its newest closed candle (so a start never fires what was already true)."""
        watch = self._watches.get(key)
        if watch is None or watch.track is track:
            return
        watch.track = track
        if track.last_row is not None:
            history = track.series.closed
            point = Point(history[-1], track.last_row[1], history, len(history) - 1, key.interval.nominal_ms)
            self._evaluate(key.symbol, watch, point, history[-1].close_time + 1, True, baseline=True)

    def on_change(
        self, event: KlineEvent, change: Change, rows: Sequence[IndicatorRow], track: IndicatorTrack
    ) -> list[FiredAlert]:
        """The alerts a push fires, once `track` took it (`change` and `rows` are what its `apply` returned)."""
        watch = self._watches.get(event.key)
        if watch is None or not watch.rules or watch.track is not track:
            return []
        if change is Change.CLOSED:
            at, closed = event.candle.close_time + 1, True
        elif change is Change.FORMING and rows:
            at, closed = event.event_time, False
        else:
            return []
        history = track.series.closed
        index = len(history) - 1 if closed else len(history)
        point = Point(event.candle, rows[-1][1], history, index, event.key.interval.nominal_ms)
        return self._evaluate(event.key.symbol, watch, point, at, closed)

    def _evaluate(
        self, symbol: str, watch: _Watch, point: Point, at: int, closed: bool, *, baseline: bool = False
    ) -> list[FiredAlert]:
        fired: list[FiredAlert] = []
        for rule in watch.rules:
            if (not closed and rule.on != "tick") or rule.id in self.disabled:
                continue
            state = watch.states.setdefault(rule.id, _State())
            try:
                now, value = rule.condition.observe(point)
            except Exception as exc:  # a rule that cannot be evaluated is switched off, the others go on
                self.disabled[rule.id] = f"{exc.__class__.__name__}: {exc}"
                log.exception("alert %s disabled: its evaluation failed", rule.id)
                continue
            if now is None:
                continue
            edge = not baseline and fires(rule.condition, state.value, now)
            state.value = now
            if not edge or (state.last_fired is not None and at - state.last_fired < rule.cooldown_ms):
                continue
            state.last_fired = at
            candle = point.candle
            fired.append(
                FiredAlert(
                    rule.id,
                    symbol,
                    rule.interval.code,
                    rule.when,
                    candle.open_time,
                    closed,
                    candle.close,
                    value,
                    self._clock(),
                    self._source,
                )
            )
        return fired

    def _rebuild(self) -> None:
        old = self._watches
        self._watches = {}
        for rule in self._rules:
            for symbol in rule_symbols(rule, self._symbols):
                key = SeriesKey(symbol, rule.interval)
                watch = self._watches.setdefault(key, _Watch())
                watch.rules.append(rule)
        for key, watch in self._watches.items():
            before = old.get(key)
            watch.tick = any(r.on == "tick" for r in watch.rules)
            if before is None:
                continue
            kept = {r.id for r in watch.rules if r in before.rules}
            watch.states = {rid: st for rid, st in before.states.items() if rid in kept}
            track = before.track
            if track is not None and track.keep >= _history_needed(key.interval, watch.rules):
                watch.track = track  # else a longer change window than held: the book warms up again
        self.disabled = {rid: why for rid, why in self.disabled.items() if any(r.id == rid for r in self._rules)}


def _history_needed(interval: Interval, rules: Sequence[AlertRule]) -> int:
    """Closed candles to hold: the indicators' warm-up, or the longest change window plus one."""
    reach = max((r.condition.window_ms // interval.nominal_ms for r in rules), default=0)
    return max(MIN_WARMUP, reach + 1)
