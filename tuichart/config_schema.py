"""The config file's one schema: every table and key it may hold, typed; unknown keys are refused."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

Seconds = Annotated[float, Meta(gt=0)]
Text = Annotated[str, Meta(pattern=r"\S")]
Url = Annotated[str, Meta(pattern=r"^https?://")]


class NetworkSettings(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Timings of the live feed (`[network]`), all in seconds; the defaults suit Binance."""

    reconnect_initial: Seconds = 1.0
    """First reconnect delay; doubles on each failure (with jitter) up to `reconnect_cap`."""
    reconnect_cap: Seconds = 60.0
    """Longest reconnect delay."""
    silence_timeout: Seconds = 60.0
    """Reconnect when no message arrives on the connection for this long."""
    close_grace: Seconds = 5.0
    """Fetch a candle over REST when its closing push has not come this long after its close."""
    retry_scale: Seconds = 1.0
    """Multiplier on REST waits (Retry-After, 5xx backoff, retries of a failed backfill); below 1 only for testing."""


class TelegramTable(Struct, forbid_unknown_fields=True, frozen=True):
    """`[notify.telegram]`: its presence turns Telegram on (token and chat come from the environment)."""

    api_url: Url = "https://api.telegram.org"


class EmailTable(Struct, forbid_unknown_fields=True, frozen=True):
    """`[notify.email]`: an SMTP server and the addresses alerts are mailed to."""

    host: Text
    sender: Text = msgspec.field(name="from")
    to: Text | Annotated[list[Text], Meta(min_length=1)]
    port: Annotated[int, Meta(ge=1, le=65535)] | None = None
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: Text | None = None


class NotifyChoices(Struct, frozen=True, kw_only=True):
    """The `[notify]` keys that are used as written (the channel tables are resolved with the environment)."""

    desktop: bool = True
    """A desktop notification when a desktop session exists."""
    bell: bool = True
    """The terminal bell with the in-app notification (the app reads it)."""
    command: Text | None = None
    """A shell command run with the alert's JSON on stdin."""
    command_timeout: Seconds = 10.0
    """Seconds before the command is killed and reported as failed."""
    timeout: Seconds = 10.0
    """Seconds for one network send (Telegram, SMTP)."""


class NotifyTable(NotifyChoices, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """`[notify]`: where fired alerts are delivered."""

    telegram: TelegramTable | None = None
    email: EmailTable | None = None


class AlertTable(Struct, forbid_unknown_fields=True, frozen=True):
    """One `[[alerts]]` table; the values are checked further when the rule is built."""

    id: str
    symbol: str
    interval: str
    when: str
    cooldown: str | None = None
    on: Literal["close", "tick"] = "close"


class ConfigFile(Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """The whole config file; every key is optional."""

    data_dir: Text | None = None
    exchange: Text | None = None
    watchlist: Annotated[list[Text], Meta(min_length=1)] | None = None
    interval: str = "1m"
    hidden_panes: list[str] = []
    watchlist_rsi: bool = False
    popout_port: Annotated[int, Meta(ge=0, le=65535)] = 0
    network: NetworkSettings = NetworkSettings()
    indicators: dict[str, Any] | None = None
    """Checked entry by entry by the indicator registry (each value: bool, number, table or list)."""
    notify: NotifyTable = NotifyTable()
    alerts: list[AlertTable] = []


EXPECTED: dict[str, str] = {
    "popout_port": "expected a port number from 0 to 65535 (0 picks a free one)",
    "notify.email.port": "expected a port number from 1 to 65535",
    "notify.telegram.api_url": "expected an http:// or https:// URL",
    "alerts": "expected [[alerts]] tables",
    "indicators": "expected an [indicators] table",
}
"""What a key holds, where the type alone says it badly (dotted keys, without list positions)."""
