"""Where fired alerts go: the `[notify]` table of the config file, with secrets from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tuichart.errors import BadInput

TELEGRAM_TOKEN_ENV = "TUICHART_TELEGRAM_TOKEN"
TELEGRAM_CHAT_ENV = "TUICHART_TELEGRAM_CHAT_ID"
SMTP_PASSWORD_ENV = "TUICHART_SMTP_PASSWORD"
SECURITIES = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


@dataclass(frozen=True, slots=True)
class TelegramSettings:
    """A Telegram bot that posts alerts to one chat (`[notify.telegram]`)."""

    token: str = field(repr=False)
    """Bot token, from `TUICHART_TELEGRAM_TOKEN`; never printed."""
    chat_id: str
    """Chat to post in, from `TUICHART_TELEGRAM_CHAT_ID`."""
    api_url: str = "https://api.telegram.org"
    """Bot API base URL (a proxy, or a loopback server in tests)."""


@dataclass(frozen=True, slots=True)
class EmailSettings:
    """An SMTP server and the addresses alerts are mailed to (`[notify.email]`)."""

    host: str
    sender: str
    """The `from` key."""
    to: tuple[str, ...]
    port: int = 587
    security: str = "starttls"
    """`starttls`, `tls` (SMTP over TLS) or `none`."""
    username: str | None = None
    """Login name; when set, the password comes from `TUICHART_SMTP_PASSWORD`."""
    password: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class NotifySettings:
    """Every delivery channel's settings; Telegram and email are off unless their table is present."""

    desktop: bool = True
    """A desktop notification when a desktop session exists."""
    bell: bool = True
    """The terminal bell with the in-app notification (the app reads it)."""
    command: str | None = None
    """A shell command run with the alert's JSON on stdin."""
    command_timeout: float = 10.0
    """Seconds before the command is killed and reported as failed."""
    timeout: float = 10.0
    """Seconds for one network send (Telegram, SMTP)."""
    telegram: TelegramSettings | None = None
    email: EmailSettings | None = None

    @classmethod
    def from_table(cls, table: object, env: Mapping[str, str] = os.environ) -> NotifySettings:
        """From the config file's `[notify]` table; any mistake is a one-line `BadInput` naming the key."""
        if table is None:
            return cls()
        t = _table(table, "notify")
        _known(t, "notify", {"desktop", "bell", "command", "command_timeout", "timeout", "telegram", "email"})
        command = _opt_str(t, "command", "notify")
        return cls(
            desktop=_bool(t, "desktop", "notify", True),
            bell=_bool(t, "bell", "notify", True),
            command=command or None,
            command_timeout=_seconds(t, "command_timeout", "notify", 10.0),
            timeout=_seconds(t, "timeout", "notify", 10.0),
            telegram=_telegram(t["telegram"], env) if "telegram" in t else None,
            email=_email(t["email"], env) if "email" in t else None,
        )


def _telegram(table: object, env: Mapping[str, str]) -> TelegramSettings:
    """`[notify.telegram]`: its presence turns Telegram on, so its environment variables must be set."""
    t = _table(table, "notify.telegram")
    _known(t, "notify.telegram", {"api_url"})
    api_url = _opt_str(t, "api_url", "notify.telegram") or "https://api.telegram.org"
    if not api_url.startswith(("http://", "https://")):
        raise BadInput("notify.telegram.api_url must be an http:// or https:// URL")
    for var in (TELEGRAM_TOKEN_ENV, TELEGRAM_CHAT_ENV):
        if not env.get(var, "").strip():
            raise BadInput(f"[notify.telegram] is on but {var} is not set in the environment")
    return TelegramSettings(
        token=env[TELEGRAM_TOKEN_ENV].strip(), chat_id=env[TELEGRAM_CHAT_ENV].strip(), api_url=api_url.rstrip("/")
    )


def _email(table: object, env: Mapping[str, str]) -> EmailSettings:
    """`[notify.email]`: host, from and to are required; the password comes from the environment."""
    t = _table(table, "notify.email")
    _known(t, "notify.email", {"host", "port", "security", "username", "from", "to"})
    for key in ("host", "from", "to"):
        if key not in t:
            raise BadInput(f"notify.email.{key} is required when [notify.email] is present")
    security = _opt_str(t, "security", "notify.email") or "starttls"
    if security not in SECURITIES:
        raise BadInput(f"notify.email.security must be one of {', '.join(SECURITIES)}, not {security!r}")
    port = t.get("port", DEFAULT_PORTS[security])
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port <= 65535:
        raise BadInput("notify.email.port must be a port number (1-65535)")
    to = t["to"]
    recipients = [to] if isinstance(to, str) else to
    if not isinstance(recipients, list) or not recipients or not all(isinstance(a, str) and a for a in recipients):
        raise BadInput("notify.email.to must be an address or a list of addresses")
    username = _opt_str(t, "username", "notify.email") or None
    password = env.get(SMTP_PASSWORD_ENV) or None
    if username and password is None:
        raise BadInput(f"notify.email.username is set but {SMTP_PASSWORD_ENV} is not set in the environment")
    return EmailSettings(
        host=_opt_str(t, "host", "notify.email") or "",
        sender=_opt_str(t, "from", "notify.email") or "",
        to=tuple(recipients),
        port=port,
        security=security,
        username=username,
        password=password if username else None,
    )


def _table(value: object, where: str) -> dict[str, Any]:
    """The value as a TOML table, or a one-line error."""
    if not isinstance(value, dict):
        raise BadInput(f"[{where}] must be a table")
    return value


def _known(t: dict[str, Any], where: str, names: set[str]) -> None:
    """Reject keys this table does not have."""
    for name in t:
        if name not in names:
            raise BadInput(f"unknown setting {where}.{name}; known: {', '.join(sorted(names))}")


def _bool(t: dict[str, Any], key: str, where: str, default: bool) -> bool:
    """A true/false key."""
    value = t.get(key, default)
    if not isinstance(value, bool):
        raise BadInput(f"{where}.{key} must be true or false")
    return value


def _seconds(t: dict[str, Any], key: str, where: str, default: float) -> float:
    """A positive number of seconds."""
    value = t.get(key, default)
    if not isinstance(value, int | float) or isinstance(value, bool) or value <= 0:
        raise BadInput(f"{where}.{key} must be a positive number of seconds")
    return float(value)


def _opt_str(t: dict[str, Any], key: str, where: str) -> str | None:
    """A string key, or None when absent; blank strings are errors."""
    if key not in t:
        return None
    value = t[key]
    if not isinstance(value, str) or not value.strip():
        raise BadInput(f"{where}.{key} must be a non-empty string")
    return value.strip()
