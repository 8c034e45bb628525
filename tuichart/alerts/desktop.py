"""Alerts as desktop notifications: notify-send on a Linux desktop session, osascript on macOS."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import sys
from collections.abc import Mapping

from tuichart.alerts.channel import ChannelError, first_line
from tuichart.alerts.fired import FiredAlert

log = logging.getLogger("tuichart.alerts")

# The text travels as osascript's arguments, so no quoting of it into AppleScript source is needed.
_APPLESCRIPT = ("on run argv", "display notification (item 2 of argv) with title (item 1 of argv)", "end run")


def title_and_body(alert: FiredAlert) -> tuple[str, str]:
    """The notification's title and body."""
    return f"tuichart: {alert.symbol} {alert.interval}", alert.message


class DesktopChannel:
    """Runs the platform's notifier with the alert as plain arguments (never through a shell)."""

    name = "desktop"

    def __init__(self, argv_prefix: list[str], *, timeout: float = 10.0) -> None:
        self._prefix = argv_prefix
        self._timeout = timeout

    @classmethod
    def detect(
        cls, env: Mapping[str, str] = os.environ, platform: str = sys.platform, *, timeout: float = 10.0
    ) -> DesktopChannel | None:
        """The notifier of this machine, or None (logged with the reason) when there is no desktop to notify."""
        path = env.get("PATH", os.defpath)
        if platform == "darwin":
            osascript = shutil.which("osascript", path=path)
            if osascript:
                return cls([osascript, *(a for line in _APPLESCRIPT for a in ("-e", line))], timeout=timeout)
            log.info("desktop notifications off: osascript not found")
            return None
        if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY")):
            log.info("desktop notifications off: no DISPLAY or WAYLAND_DISPLAY (no desktop session)")
            return None
        notify_send = shutil.which("notify-send", path=path)
        if not notify_send:
            log.info("desktop notifications off: notify-send not found on PATH")
            return None
        return cls([notify_send, "--app-name=tuichart", "--"], timeout=timeout)

    async def send(self, alert: FiredAlert) -> None:
        """Show one notification; raise `ChannelError` when the notifier fails or hangs."""
        title, body = title_and_body(alert)
        try:
            proc = await asyncio.create_subprocess_exec(
                *self._prefix,
                title,
                body,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
            )
        except OSError as exc:
            raise ChannelError(f"cannot run {self._prefix[0]}: {exc.strerror or exc}") from None
        try:
            async with asyncio.timeout(self._timeout):
                _, err = await proc.communicate()
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
            raise ChannelError(f"{os.path.basename(self._prefix[0])} timed out after {self._timeout:g} s") from None
        if proc.returncode != 0:
            reason = first_line(err.decode("utf-8", "replace"))
            raise ChannelError(
                f"{os.path.basename(self._prefix[0])} exited with {proc.returncode}" + (f": {reason}" if reason else "")
            )

    async def aclose(self) -> None:
        """Nothing to release."""
