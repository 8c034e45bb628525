"""Alert rules evaluated beside an interactive app: every kline push, in order, on a thread of their own."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Sequence

from tuichart.alerts.rules import AlertRule
from tuichart.domain import KlineEvent
from tuichart.engine.alert_runner import AlertRunner

log = logging.getLogger(__name__)

_Item = KlineEvent | Callable[[], None] | None


class AlertThread:
    """Runs an `AlertRunner` on its own thread: callers only queue pushes; warm-ups read the store over there.

    Every push is queued, forming ones included, so rules on ticks see what `tuichart record` sees even when
    the screen skips updates.
    """

    def __init__(self, runner: AlertRunner) -> None:
        self.runner = runner
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="alerts", daemon=True)
        self._thread.start()

    def put(self, event: KlineEvent) -> None:
        """Queue one push for evaluation."""
        self._queue.put(event)

    def set_rules(self, rules: Sequence[AlertRule]) -> None:
        """Evaluate these rules from the next queued push on."""
        rules = list(rules)
        self._queue.put(lambda: self.runner.engine.set_rules(rules))

    def set_symbols(self, symbols: Sequence[str]) -> None:
        """What `*` stands for, from the next queued push on."""
        symbols = list(symbols)
        self._queue.put(lambda: self.runner.engine.set_symbols(symbols))

    def close(self, timeout: float = 5.0) -> None:
        """Evaluate what is queued, then stop."""
        self._queue.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            try:
                if isinstance(item, KlineEvent):
                    self.runner.on_kline(item)
                else:
                    item()
            except Exception:  # the runner reports its own errors; this only keeps the thread alive
                log.exception("alert evaluation failed")
