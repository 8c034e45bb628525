"""Reconnect and retry delays as an injectable policy: jittered exponential backoff."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(slots=True)
class Backoff:
    """1 s doubling to a 60 s cap, with full jitter in [delay/2, delay]; `reset()` after a healthy period."""

    initial: float = 1.0
    factor: float = 2.0
    cap: float = 60.0
    rand: Callable[[], float] = field(default=random.random)
    attempt: int = 0

    def next_delay(self) -> float:
        """The delay before the next try; each call doubles the base up to the cap."""
        base = min(self.cap, self.initial * self.factor**self.attempt)
        self.attempt += 1
        return base * (0.5 + 0.5 * self.rand())

    def reset(self) -> None:
        """Start again from the initial delay."""
        self.attempt = 0
