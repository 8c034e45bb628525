"""Alerts as Telegram messages through the Bot API's sendMessage, with the token kept out of every error and log."""

from __future__ import annotations

import asyncio
import logging
import os
import re

import httpx

from tuichart.alerts.channel import ChannelError
from tuichart.alerts.fired import FiredAlert
from tuichart.alerts.notify_settings import TelegramSettings
from tuichart.binance.tls import context_for

PREFIX = "tuichart alert: "
_TOKEN_IN_URL = re.compile(r"/bot[^/\s]+")


class _RedactBotToken(logging.Filter):
    """Masks `/bot<token>` in records of httpx, which logs every request's URL."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's text with the token masked; never drop it."""
        text = record.getMessage()
        if "/bot" in text:
            record.msg, record.args = _TOKEN_IN_URL.sub("/bot***", text), None
        return True


def _guard_httpx_log() -> None:
    """Install the redacting filter on httpx's logger once."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _RedactBotToken) for f in logger.filters):
        logger.addFilter(_RedactBotToken())


def _os_reason(exc: BaseException) -> str | None:
    """The operating system's words (e.g. `Connection refused`) from the errors behind an httpx error."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError) and seen.errno:
            return os.strerror(seen.errno)
        seen = seen.__cause__ or seen.__context__
    return None


class TelegramChannel:
    """Posts `tuichart alert: <message>` to one chat; a 429 is waited out once when its wait fits the timeout."""

    name = "telegram"

    def __init__(self, settings: TelegramSettings, *, timeout: float = 10.0) -> None:
        self._settings = settings
        self._timeout = timeout
        self._url = f"{settings.api_url}/bot{settings.token}/sendMessage"
        self._client: httpx.AsyncClient | None = None
        _guard_httpx_log()

    async def send(self, alert: FiredAlert) -> None:
        """Send one message; raise `ChannelError` with Telegram's description or the network failure."""
        body = {"chat_id": self._settings.chat_id, "text": PREFIX + alert.message}
        retry_after = await self._post(body)
        if retry_after is None:
            return
        if retry_after > self._timeout:
            raise ChannelError(
                f"rate limited by Telegram for {retry_after:g} s (longer than the {self._timeout:g} s timeout)",
                down=True,
                retry_after=retry_after,
            )
        await asyncio.sleep(retry_after)
        again = await self._post(body)
        if again is not None:
            raise ChannelError(
                f"rate limited by Telegram again after waiting {retry_after:g} s", down=True, retry_after=again
            )

    async def _post(self, body: dict[str, str]) -> float | None:
        """One sendMessage call: None when delivered, the wait in seconds on a 429, else `ChannelError`."""
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self._timeout, verify=context_for(self._settings.api_url))
        try:
            async with asyncio.timeout(self._timeout):
                resp = await self._client.post(self._url, json=body)
        except (TimeoutError, httpx.TimeoutException):
            raise ChannelError(
                f"no reply from {self._settings.api_url} within {self._timeout:g} s", down=True
            ) from None
        except httpx.ConnectError as exc:
            reason = _os_reason(exc) or self._mask(str(exc))
            raise ChannelError(f"cannot connect to {self._settings.api_url}: {reason}", down=True) from None
        except httpx.HTTPError as exc:
            raise ChannelError(
                f"{type(exc).__name__} talking to {self._settings.api_url}: {self._mask(str(exc))}"
            ) from None
        try:
            reply = resp.json()
        except ValueError:
            reply = None
        if not isinstance(reply, dict):
            raise ChannelError(
                f"HTTP {resp.status_code} from {self._settings.api_url} (not a Bot API reply)",
                down=resp.status_code >= 500,
            )
        if reply.get("ok") is True and resp.is_success:
            return None
        params = reply.get("parameters")
        wait = params.get("retry_after") if isinstance(params, dict) else None
        if resp.status_code == 429 and isinstance(wait, int | float):
            return float(wait)
        code = reply.get("error_code", resp.status_code)
        description = self._mask(str(reply.get("description", "no description")))
        raise ChannelError(f"Telegram refused the message: {code} {description}", down=resp.status_code >= 500)

    def _mask(self, text: str) -> str:
        """Text with the bot token replaced by `***`."""
        return text.replace(self._settings.token, "***")

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
