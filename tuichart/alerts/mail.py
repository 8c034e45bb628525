"""Alerts as email over SMTP (starttls, tls or plain), sent from a worker thread with a timeout."""

from __future__ import annotations

import asyncio
import json
import smtplib
import ssl
from email.message import EmailMessage

from tuichart.alerts.channel import ChannelError, first_line
from tuichart.alerts.fired import FiredAlert
from tuichart.alerts.notify_settings import EmailSettings


def compose(alert: FiredAlert, settings: EmailSettings) -> EmailMessage:
    """The mail for one alert: subject `tuichart: BTCUSDT 1m rsi above 70`, body the message and the JSON."""
    msg = EmailMessage()
    msg["From"] = settings.sender
    msg["To"] = ", ".join(settings.to)
    msg["Subject"] = f"tuichart: {alert.symbol} {alert.interval} {alert.condition}"
    msg.set_content(f"{alert.message}\n\n{json.dumps(alert.to_json(), indent=2)}\n")
    return msg


class EmailChannel:
    """Mails each alert to the configured addresses."""

    name = "email"

    def __init__(self, settings: EmailSettings, *, timeout: float = 10.0) -> None:
        self._settings = settings
        self._timeout = timeout

    async def send(self, alert: FiredAlert) -> None:
        """Send one mail; raise `ChannelError` with the SMTP reply or the network failure."""
        await asyncio.to_thread(self._send_blocking, compose(alert, self._settings))

    def _send_blocking(self, msg: EmailMessage) -> None:
        """Connect, secure, log in and send, translating every failure into one reason."""
        s = self._settings
        where = f"{s.host}:{s.port}"
        try:
            smtp: smtplib.SMTP
            if s.security == "tls":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=self._timeout, context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=self._timeout)
            with smtp:
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, s.password or "")
                smtp.send_message(msg)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise ChannelError(f"SMTP server {where} refused the recipients: {code} {_text(reply)}") from None
        except smtplib.SMTPResponseException as exc:
            reason = f"SMTP server {where} said {exc.smtp_code} {_text(exc.smtp_error)}"
            raise ChannelError(reason, down=exc.smtp_code == 421) from None  # 421: service not available
        except smtplib.SMTPServerDisconnected:
            raise ChannelError(f"SMTP server {where} closed the connection", down=True) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise ChannelError(f"SMTP server {where}: {exc}") from None
        except smtplib.SMTPException as exc:
            raise ChannelError(f"SMTP server {where}: {first_line(str(exc)) or type(exc).__name__}") from None
        except TimeoutError:
            raise ChannelError(f"no reply from SMTP server {where} within {self._timeout:g} s", down=True) from None
        except ssl.SSLError as exc:
            raise ChannelError(f"TLS with SMTP server {where} failed: {exc.reason or exc}") from None
        except OSError as exc:
            raise ChannelError(f"cannot connect to SMTP server {where}: {exc.strerror or exc}", down=True) from None

    async def aclose(self) -> None:
        """Nothing to release: each send opens its own connection."""


def _text(reply: bytes | str) -> str:
    """An SMTP reply's text on one line."""
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())
