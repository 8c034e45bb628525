"""Who may talk to the popout server: the token holder, through a loopback Host name, for known files only."""

from __future__ import annotations

import hmac
import os
import re
import secrets
from pathlib import Path

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "[::1]"})
_PORT = re.compile(r":\d{1,5}")


def new_token() -> str:
    """A fresh random token for one run of the server."""
    return secrets.token_urlsafe(24)


def token_ok(given: str | None, expected: str) -> bool:
    """True when `given` is the token (compared in constant time)."""
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def loopback_host(host_header: str | None) -> bool:
    """True when the Host header names this machine's loopback (a rebinding attacker's name is refused)."""
    host = (host_header or "").strip().lower()
    if host.startswith("["):  # [v6] or [v6]:port
        end = host.find("]")
        if end < 0 or (host[end + 1 :] and not _PORT.fullmatch(host[end + 1 :])):
            return False
        host = host[: end + 1]
    elif ":" in host:
        name, port = host.rsplit(":", 1)
        if not _PORT.fullmatch(":" + port):
            return False
        host = name
    return host in LOOPBACK_NAMES


def static_name(requested: str, known: frozenset[str]) -> str | None:
    """The file to serve for `requested`, only if it is one of the `known` names (no paths, no traversal)."""
    return requested if requested in known else None


def kept_token(path: Path) -> str:
    """A token kept in `path` (created private on first use), so a page outlives a restart on a fixed port."""
    try:
        token = path.read_text().strip()
        if len(token) >= 32:
            return token
    except OSError:
        pass
    token = new_token()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(token + "\n")
    return token
