"""What every delivery channel is: a name and an async send that fails with one clear reason."""

from __future__ import annotations

from typing import Protocol

from tuichart.alerts.fired import FiredAlert
from tuichart.errors import TuichartError


class ChannelError(TuichartError):
    """A channel could not deliver an alert; `str(err)` is the reason in one line, with no secret in it."""

    def __init__(self, reason: str, *, down: bool = False, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.down = down
        """The service itself is unreachable (refused, timed out, 5xx, rate limited), not just this alert."""
        self.retry_after = retry_after
        """Seconds the service asked us to wait before the next try."""


class Channel(Protocol):
    """One way of delivering alerts (Telegram, email, a command, the desktop)."""

    name: str

    async def send(self, alert: FiredAlert) -> None:
        """Deliver one alert, or raise `ChannelError` with the reason."""

    async def aclose(self) -> None:
        """Release connections; the channel is not used afterwards."""


def first_line(text: str, limit: int = 200) -> str:
    """The first non-blank line of text, cut to `limit` characters."""
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:limit]
    return ""
