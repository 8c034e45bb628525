"""Binance's cap on websocket connection attempts, shared by every connection a process opens."""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

ATTEMPTS = 240
"""Per `WINDOW` seconds: Binance allows 300 per 5 minutes per IP; the rest is left to other programs on the IP."""
WINDOW = 300.0


@dataclass(slots=True)
class ConnectBudget:
    """At most `attempts` connection attempts in any `window` seconds: a reconnect storm of many connections waits
    here rather than get the IP banned."""

    attempts: int = ATTEMPTS
    window: float = WINDOW
    clock: Callable[[], float] = field(default=time.monotonic)
    _times: deque[float] = field(default_factory=deque)
    waited: float = 0.0
    """Seconds attempts have waited for the budget, in all."""

    async def take(self) -> None:
        """Wait until one more attempt fits in the window, then count it."""
        while True:
            now = self.clock()
            while self._times and self._times[0] <= now - self.window:
                self._times.popleft()
            if len(self._times) < self.attempts:
                self._times.append(now)
                return
            pause = self._times[0] + self.window - now
            self.waited += pause
            await asyncio.sleep(pause)
