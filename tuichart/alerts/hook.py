"""Alerts handed to a user's command: run through the shell, the alert's JSON on stdin, killed after a timeout."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal

from tuichart.alerts.channel import ChannelError, first_line
from tuichart.alerts.fired import FiredAlert


def alert_env(alert: FiredAlert) -> dict[str, str]:
    """The alert's main fields as `TUICHART_ALERT_*` variables, for scripts that skip the JSON."""
    return {
        "TUICHART_ALERT_RULE": alert.rule_id,
        "TUICHART_ALERT_SYMBOL": alert.symbol,
        "TUICHART_ALERT_INTERVAL": alert.interval,
        "TUICHART_ALERT_CONDITION": alert.condition,
        "TUICHART_ALERT_PRICE": f"{alert.price:.10g}",
        "TUICHART_ALERT_VALUE": f"{alert.value:.10g}",
        "TUICHART_ALERT_MESSAGE": alert.message,
    }


class CommandChannel:
    """Runs `command` once per alert; a non-zero exit or the timeout is a failure."""

    name = "command"

    def __init__(self, command: str, *, timeout: float = 10.0) -> None:
        self._command = os.path.expanduser(command)
        self._timeout = timeout

    async def send(self, alert: FiredAlert) -> None:
        """Run the command with the alert on stdin; raise `ChannelError` with the exit code and stderr."""
        data = json.dumps(alert.to_json()).encode() + b"\n"
        try:
            # Its own session, so a timeout kills the whole process group, not only the shell.
            proc = await asyncio.create_subprocess_shell(
                self._command,
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.PIPE,
                env={**os.environ, **alert_env(alert)},
                start_new_session=True,
            )
        except OSError as exc:
            raise ChannelError(f"cannot start the alert command: {exc.strerror or exc}") from None
        try:
            async with asyncio.timeout(self._timeout):
                _, err = await proc.communicate(data)
        except TimeoutError:
            await _kill_group(proc)
            raise ChannelError(f"the alert command timed out after {self._timeout:g} s and was killed") from None
        except BaseException:
            await _kill_group(proc)
            raise
        if proc.returncode == 0:
            return
        reason = first_line(err.decode("utf-8", "replace"))
        code = proc.returncode or 0
        how = f"was killed by signal {-code}" if code < 0 else f"exited with {code}"
        raise ChannelError(f"the alert command {how}" + (f": {reason}" if reason else ""))

    async def aclose(self) -> None:
        """Nothing to release: each alert runs its own process."""


async def _kill_group(proc: asyncio.subprocess.Process) -> None:
    """Kill the command's process group and reap the shell."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    await asyncio.shield(proc.wait())
