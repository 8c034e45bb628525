"""Where fired alerts go: the `[notify]` table of the config file, with secrets from the environment."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from tuichart.config_check import convert
from tuichart.config_schema import EmailTable, NotifyChoices, NotifyTable, TelegramTable
from tuichart.errors import BadInput

TELEGRAM_TOKEN_ENV = "TUICHART_TELEGRAM_TOKEN"
TELEGRAM_CHAT_ENV = "TUICHART_TELEGRAM_CHAT_ID"
SMTP_PASSWORD_ENV = "TUICHART_SMTP_PASSWORD"
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


class NotifySettings(NotifyChoices, frozen=True, kw_only=True):
    """Every delivery channel's settings; Telegram and email are off unless their table is present."""

    telegram: TelegramSettings | None = None
    email: EmailSettings | None = None

    @classmethod
    def from_table(cls, table: object, env: Mapping[str, str] = os.environ) -> NotifySettings:
        """From the config file's `[notify]` table; any mistake is a one-line `BadInput` naming the key."""
        return cls.from_schema(convert(table, NotifyTable, ("notify",)) if table is not None else NotifyTable(), env)

    @classmethod
    def from_schema(cls, t: NotifyTable, env: Mapping[str, str] = os.environ) -> NotifySettings:
        """From the checked `[notify]` table, with the secrets its channels need from the environment."""
        return cls(
            desktop=t.desktop,
            bell=t.bell,
            command=t.command.strip() if t.command else None,
            command_timeout=t.command_timeout,
            timeout=t.timeout,
            telegram=_telegram(t.telegram, env) if t.telegram else None,
            email=_email(t.email, env) if t.email else None,
        )


def _telegram(t: TelegramTable, env: Mapping[str, str]) -> TelegramSettings:
    """`[notify.telegram]`: its presence turns Telegram on, so its environment variables must be set."""
    for var in (TELEGRAM_TOKEN_ENV, TELEGRAM_CHAT_ENV):
        if not env.get(var, "").strip():
            raise BadInput(f"[notify.telegram] is on but {var} is not set in the environment")
    return TelegramSettings(
        token=env[TELEGRAM_TOKEN_ENV].strip(), chat_id=env[TELEGRAM_CHAT_ENV].strip(), api_url=t.api_url.rstrip("/")
    )


def _email(t: EmailTable, env: Mapping[str, str]) -> EmailSettings:
    """`[notify.email]`: the port defaults by security; the password comes from the environment."""
    username = t.username.strip() if t.username else None
    password = env.get(SMTP_PASSWORD_ENV) or None
    if username and password is None:
        raise BadInput(f"notify.email.username is set but {SMTP_PASSWORD_ENV} is not set in the environment")
    return EmailSettings(
        host=t.host.strip(),
        sender=t.sender.strip(),
        to=(t.to,) if isinstance(t.to, str) else tuple(t.to),
        port=t.port or DEFAULT_PORTS[t.security],
        security=t.security,
        username=username,
        password=password if username else None,
    )
