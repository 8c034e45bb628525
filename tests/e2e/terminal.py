"""A real terminal for end-to-end tests: the CLI in a detached tmux session on a private server."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path

EXITED = re.compile(r"\[exit status (\d+)\]")


class Terminal:
    """One tmux pane running a command; keys go in with send-keys, the screen comes back from capture-pane."""

    def __init__(self, tmp: Path, width: int = 160, height: int = 48) -> None:
        self.socket = f"tuichart-test-{uuid.uuid4().hex[:8]}"
        self.tmp = tmp
        self.width, self.height = width, height

    def _tmux(self, *args: str) -> str:
        out = subprocess.run(
            ["tmux", "-L", self.socket, "-f", "/dev/null", *args], capture_output=True, text=True, timeout=10
        )
        if out.returncode != 0:
            raise AssertionError(f"tmux {' '.join(args)}: {out.stderr.strip()}")
        return out.stdout

    def start(self, args: list[str], env: dict[str, str], unset: Sequence[str] = ()) -> None:
        """Run `python -m tuichart ARGS` in a new session of the pane's size, without the variables in `unset`."""
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        # COLUMNS/LINES inherited from a test runner would override the pane's real size
        removed = " ".join(f"-u {shlex.quote(k)}" for k in ("COLUMNS", "LINES", *unset))
        app = f"env {removed} {exports} {shlex.quote(sys.executable)} -m tuichart {shlex.join(args)}"
        command = f'{app}; echo "[exit status $?]"; sleep 600'  # the shell reports the status on the restored screen
        self._tmux("new-session", "-d", "-s", "t", "-x", str(self.width), "-y", str(self.height), "sh")
        self._tmux("respawn-pane", "-k", "-t", "t", command)

    def pane_pid(self) -> int:
        """The pid of the pane's shell (the app is its child)."""
        return int(self._tmux("display-message", "-p", "-t", "t", "#{pane_pid}"))

    def app_pid(self) -> int:
        """The pid of the command the pane runs (the shell's child)."""
        shell = self.pane_pid()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            out = subprocess.run(["pgrep", "-P", str(shell)], capture_output=True, text=True).stdout.split()
            if out:
                return int(out[0])
            time.sleep(0.05)
        raise AssertionError("the pane runs no command")

    def screen(self) -> str:
        """The visible text of the pane."""
        return self._tmux("capture-pane", "-p", "-t", "t")

    def keys(self, *keys: str) -> None:
        """Type keys (tmux key names: Down, Enter, q, ...)."""
        for key in keys:
            self._tmux("send-keys", "-t", "t", key)
            time.sleep(0.15)  # a person's typing pace; the app coalesces faster input anyway

    def wait(self, predicate: Callable[[str], bool], timeout: float = 20.0, what: str = "the screen") -> str:
        """Poll the screen until `predicate` holds on it; fails with the last screen."""
        deadline = time.monotonic() + timeout
        text = ""
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}; screen was:\n{text}")

    def exit_status(self, timeout: float = 15.0) -> int:
        """Wait for the command to end and return its exit status (as the shell after it printed it)."""
        text = self.wait(lambda s: EXITED.search(s) is not None, timeout, what="the app to exit")
        match = EXITED.search(text)
        assert match is not None
        return int(match.group(1))

    def close(self) -> None:
        """Kill the private tmux server."""
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)
