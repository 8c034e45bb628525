"""The app's alert rules: added and removed from the alerts screen (and the config file), fired ones shown."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from tuichart.alerts.rules import AlertRule
from tuichart.alerts.rules_file import add_rule, remove_rules
from tuichart.domain import FiredAlert
from tuichart.errors import TuichartError

FAILURE_EVERY = 60.0  # seconds between notifications of one delivery channel's failures
Notify = Callable[..., None]


class AlertBook:
    """The rules in force, the alerts fired in this run, and when each channel's failure was last shown."""

    def __init__(self, rules: Sequence[AlertRule], config_file: Path | None, *, save: bool, notify: Notify) -> None:
        self.rules = list(rules)
        self.fired: deque[FiredAlert] = deque(maxlen=100)
        """Alerts fired in this run, newest first."""
        self._config_file = config_file
        self._save = save
        self._notify = notify
        self._failure_shown: dict[str, float] = {}

    def add(self, rule: AlertRule) -> bool:
        """Add a rule (saved to the config file when choices are saved); False when saving failed (said)."""
        if self._save:
            try:
                add_rule(rule, self._config_file)
            except TuichartError as exc:
                self._notify(str(exc), severity="error")
                return False
        self.rules = [*self.rules, rule]
        self._notify(f"added alert {rule.id}: {rule}")
        return True

    def remove(self, rule_id: str) -> bool:
        """Remove a rule (from the config file too); False when saving failed (said)."""
        if self._save:
            try:
                remove_rules([rule_id], self._config_file)
            except TuichartError as exc:
                self._notify(str(exc), severity="error")
                return False
        self.rules = [r for r in self.rules if r.id != rule_id]
        self._notify(f"removed alert {rule_id}")
        return True

    def on_fired(self, alert: FiredAlert) -> None:
        """Keep a fired alert and show it."""
        self.fired.appendleft(alert)
        self._notify(alert.message, title=f"alert {alert.rule_id}", severity="warning", timeout=15)

    def with_stored(self, stored: Sequence[FiredAlert]) -> list[FiredAlert]:
        """The alerts of this run and those stored, newest first, each once."""
        seen = {(a.rule_id, a.symbol, a.open_time, a.fired_at) for a in self.fired}
        older = [a for a in stored if (a.rule_id, a.symbol, a.open_time, a.fired_at) not in seen]
        return sorted([*self.fired, *older], key=lambda a: a.fired_at, reverse=True)

    def delivery_failed(self, channel: str, alert: FiredAlert, error: str, now: float) -> None:
        """Show a channel's failure, at most once every FAILURE_EVERY seconds (the log has every one)."""
        if now - self._failure_shown.get(channel, -FAILURE_EVERY) >= FAILURE_EVERY:
            self._failure_shown[channel] = now
            text = f"alert {alert.rule_id} via {channel} failed: {error}"
            self._notify(text, severity="error", timeout=FAILURE_EVERY)  # stays until the next one may show
