"""Reconnect and retry delays as an injectable policy: jittered exponential backoff that starts over once healthy."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

HEALTHY_AFTER = 10.0
"""Seconds a connection must keep delivering messages before the next loss counts as a first failure again.

Short enough that a feed which recovered reconnects within a second after its next drop; long enough that a
server accepting connections only to drop them at once still sees the delays grow.
"""


@dataclass(slots=True)
class Backoff:
    """1 s doubling to a 60 s cap, with full jitter in [delay/2, delay]; starts over after `healthy_after` seconds
    of a healthy connection (`connected()` when it opens, `heard()` on each message) or on `reset()`."""

    initial: float = 1.0
    factor: float = 2.0
    cap: float = 60.0
    rand: Callable[[], float] = field(default=random.random)
    attempt: int = 0
    healthy_after: float = HEALTHY_AFTER
    clock: Callable[[], float] = field(default=time.monotonic)
    _up_since: float | None = None

    def next_delay(self) -> float:
        """The delay before the next try; each call doubles the base up to the cap."""
        self._up_since = None
        base = min(self.cap, self.initial * self.factor**self.attempt)
        self.attempt += 1
        return base * (0.5 + 0.5 * self.rand())

    def connected(self) -> None:
        """A connection opened: its health is measured from now."""
        self._up_since = self.clock()

    def heard(self) -> None:
        """A message arrived; once the connection has been up `healthy_after` seconds, the delays start over."""
        if self._up_since is not None and self.clock() - self._up_since >= self.healthy_after:
            self._up_since = None
            self.attempt = 0

    def reset(self) -> None:
        """Start again from the initial delay."""
        self.attempt = 0
