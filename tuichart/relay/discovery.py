"""Where a running recorder says it serves a data directory: a private file in the state directory."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

CommandRunner = Callable[[list[str], str], tuple[int, str, str]]
"""Runs a read-only command line (argv, the caller's working directory) on the recorder's store, in a thread:
(exit code, stdout, stderr)."""

INFO_PATH = "/tuichart/v1/info"
"""Below the token: what the recorder is (its pid, data directory and series)."""


@dataclass(frozen=True, slots=True)
class Recorder:
    """A recorder serving a data directory: its URL (token included, so Binance clients take it as their base)."""

    url: str
    pid: int
    data_dir: str
    exchange: str = ""
    """The exchange it records from (as its status line names it)."""

    @property
    def token(self) -> str:
        """The secret first path segment."""
        return urlparse(self.url).path.strip("/")


def recorder_file(state: Path, data_dir: Path) -> Path:
    """The file naming the recorder of `data_dir` (one per data directory)."""
    digest = hashlib.sha256(str(data_dir.expanduser().resolve()).encode()).hexdigest()[:16]
    return state / "recorders" / f"{digest}.json"


def announce(path: Path, recorder: Recorder) -> None:
    """Write the recorder's file, readable by this user alone (the token is in it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        json.dump({"url": recorder.url, "pid": recorder.pid, "data_dir": recorder.data_dir}, fh)
    tmp.replace(path)


def withdraw(path: Path, recorder: Recorder) -> None:
    """Remove the recorder's file if it is still this recorder's."""
    if _read(path) == recorder:
        path.unlink(missing_ok=True)


def find_recorder(state: Path, data_dir: Path, timeout: float = 1.0) -> Recorder | None:
    """The recorder serving `data_dir`, if one runs and answers; a stale file (a killed recorder) is removed."""
    path = recorder_file(state, data_dir)
    recorder = _read(path)
    if recorder is None:
        return None
    info = _answers(recorder, timeout) if _alive(recorder.pid) else None
    if info is None:
        with contextlib.suppress(OSError):
            if _read(path) == recorder:
                path.unlink()
        return None
    return Recorder(recorder.url, recorder.pid, recorder.data_dir, str(info.get("exchange", "")))


def _read(path: Path) -> Recorder | None:
    try:
        body = json.loads(path.read_text())
        return Recorder(str(body["url"]), int(body["pid"]), str(body["data_dir"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process took the pid
        return False
    return True


def _answers(recorder: Recorder, timeout: float) -> dict[str, object] | None:
    """The recorder's info, when it answers as the recorder the file names."""
    import http.client  # only when a recorder's file is found: a command on a store of its own starts without it

    url = urlparse(recorder.url)
    conn = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port or 80, timeout=timeout)
    try:
        conn.request("GET", url.path.rstrip("/") + INFO_PATH)
        resp = conn.getresponse()
        body = json.loads(resp.read() or b"{}")
    except (OSError, ValueError, http.client.HTTPException):
        return None
    finally:
        conn.close()
    ok = resp.status == 200 and isinstance(body, dict) and body.get("pid") == recorder.pid
    return body if ok else None
