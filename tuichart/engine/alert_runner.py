"""Alert rules on a live feed for a headless job: evaluate, store, report and deliver, never breaking the feed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence

from tuichart.alerts import Deliverer, FiredAlert
from tuichart.alerts.engine import AlertEngine
from tuichart.alerts.rules import ALL_SYMBOLS, AlertRule
from tuichart.domain import KlineEvent, SeriesKey
from tuichart.indicators.track import IndicatorRow, IndicatorTrack
from tuichart.series import Change
from tuichart.store import StoreWriter

log = logging.getLogger(__name__)


class AlertRunner:
    """Feeds kline events to an engine; what fires goes to the store writer, `say` and the deliverer."""

    def __init__(
        self,
        engine: AlertEngine,
        writer: StoreWriter,
        *,
        say: Callable[[str], object],
        deliverer: Deliverer | None = None,
        on_fired: Callable[[FiredAlert], object] | None = None,
    ) -> None:
        """`say` reports problems, and each fired alert as a line unless `on_fired` takes them."""
        self.engine = engine
        self._writer = writer
        self._say = say
        self._deliverer = deliverer
        self._on_fired = on_fired
        self._broken: set[SeriesKey] = set()
        self._reported: set[str] = set()
        self.fired = 0

    def on_change(
        self, event: KlineEvent, change: Change, rows: Sequence[IndicatorRow], track: IndicatorTrack
    ) -> list[FiredAlert]:
        """Evaluate one push on a shared track that took it (see `AlertEngine.attach`)."""
        return self._run(event.key, lambda: self.engine.on_change(event, change, rows, track))

    def attach(self, key: SeriesKey, track: IndicatorTrack) -> None:
        """Evaluate this series from a shared track from now on."""
        def baseline() -> list[FiredAlert]:
            self.engine.attach(key, track)
            return []

        self._run(key, baseline)

    def stop(self, key: SeriesKey, exc: Exception) -> None:
        """This series' alerts stop: its history could not be read (said once)."""
        if key not in self._broken:
            self._broken.add(key)
            self._say(f"alerts on {key} stopped: {exc.__class__.__name__}: {exc}")

    def _run(self, key: SeriesKey, evaluate: Callable[[], list[FiredAlert]]) -> list[FiredAlert]:
        """Run an evaluation; an error is reported once and stops only what failed (a rule, or one series)."""
        if key in self._broken:
            return []
        try:
            fired = evaluate()
        except Exception as exc:  # e.g. the warm-up history could not be read: that series' alerts stop
            log.exception("alerts on %s stopped", key)
            self.stop(key, exc)
            return []
        for rule_id, why in self.engine.disabled.items():
            if rule_id not in self._reported:
                self._reported.add(rule_id)
                self._say(f"alert {rule_id} disabled: {why}")
        if fired:
            self._writer.put_alerts(fired)
            self.fired += len(fired)
            for alert in fired:
                if self._on_fired is None:
                    self._say(f"alert {alert.rule_id}: {alert.message}")
                else:
                    self._on_fired(alert)
                if self._deliverer is not None:
                    self._deliverer.submit(alert)
        return fired


def unwatched_rules(rules: Iterable[AlertRule], keys: Sequence[SeriesKey]) -> list[str]:
    """One warning line per rule whose series is not among `keys` (it will never be evaluated)."""
    lines = []
    watched = ", ".join(map(str, keys))
    for rule in rules:
        symbols = {k.symbol for k in keys} if rule.symbol == ALL_SYMBOLS else {rule.symbol}
        if not any(SeriesKey(s, rule.interval) in keys for s in symbols):
            lines.append(
                f"warning: alert {rule.id} ({rule.symbol} {rule.interval.code}) is not evaluated: "
                f"only {watched} are recorded"
            )
    return lines
