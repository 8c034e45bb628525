"""What the status bar shows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StatusData:
    """What the status bar shows."""

    state: str = "connecting"
    """live, reconnecting, offline, connecting."""
    detail: str = ""
    retry_in: float | None = None
    """Seconds left before the next reconnect try (0: trying now)."""
    exchange: str = ""
    demo: bool = False
    quiet_for: float | None = None
    """Seconds since the last message, shown once it is worth noticing."""
    stored: int = 0
    store: str = "file"
    hidden: str = ""
    dropped: int = 0
    """Frames and klines refused since the start (never shown on the chart nor stored)."""
