"""Real loopback servers for the delivery tests: a Bot API, an SMTP server, a black hole, a refused port."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from tuichart.alerts.fired import FiredAlert

TOKEN = "123456:AAF-secret_bot_token"
CHAT = "-100200300"


def sample_alert(rule_id: str = "btc-rsi", **changes: Any) -> FiredAlert:
    """A fired alert as the engine makes them."""
    base: dict[str, Any] = dict(
        rule_id=rule_id,
        symbol="BTCUSDT",
        interval="1m",
        condition="rsi above 70",
        open_time=1_704_067_200_000,
        closed=True,
        price=42_283.58,
        value=71.25,
        fired_at=1_704_067_260_123,
        source="record",
    )
    return FiredAlert(**{**base, **changes})


def refused_port() -> int:
    """A loopback port that was just free: connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_until(check: Callable[[], bool], what: str, bound: float = 30.0) -> None:
    """Yield to the loop until `check()` holds; a hang guard, not a timing assertion."""
    deadline = time.monotonic() + bound
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.01)


@dataclass
class BotApi:
    """Telegram's sendMessage as the Bot API answers it, on 127.0.0.1:0."""

    token: str = TOKEN
    chat_id: str = CHAT
    rate_limits: deque[float] = field(default_factory=deque)
    """retry_after values to answer with a 429 before accepting, one per request."""
    received: list[dict[str, Any]] = field(default_factory=list)
    requests: int = 0
    url: str = ""
    _runner: web.AppRunner | None = None

    async def start(self) -> BotApi:
        """Serve until `stop`."""
        app = web.Application()
        app.router.add_post("/bot{token}/sendMessage", self._send_message)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
        return self

    async def stop(self) -> None:
        """Close the server."""
        if self._runner is not None:
            await self._runner.cleanup()

    async def _send_message(self, request: web.Request) -> web.Response:
        """Validate like Telegram: token, chat id, text; 429s first when scripted."""
        self.requests += 1
        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        body = await request.json()
        if str(body.get("chat_id")) != self.chat_id:
            return _bad("Bad Request: chat not found")
        if not isinstance(body.get("text"), str) or not body["text"].strip():
            return _bad("Bad Request: message text is empty")
        if self.rate_limits:
            wait = self.rate_limits.popleft()
            return web.json_response(
                {
                    "ok": False,
                    "error_code": 429,
                    "description": f"Too Many Requests: retry after {wait:g}",
                    "parameters": {"retry_after": wait},
                },
                status=429,
            )
        self.received.append(body)
        chat = {"id": int(self.chat_id), "type": "supergroup"}
        result = {"message_id": len(self.received), "date": 1_704_067_260, "chat": chat, "text": body["text"]}
        return web.json_response({"ok": True, "result": result})


def _bad(description: str) -> web.Response:
    """A Bot API 400 reply."""
    return web.json_response({"ok": False, "error_code": 400, "description": description}, status=400)


class BlackHole:
    """Accepts TCP connections on 127.0.0.1:0 and never answers."""

    def __init__(self) -> None:
        self.connections = 0
        self.url = ""
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> BlackHole:
        """Listen until `stop`."""
        self._server = await asyncio.start_server(self._hold, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def _hold(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Read and discard until the client gives up."""
        self.connections += 1
        self._writers.append(writer)
        while await reader.read(65536):
            pass

    async def stop(self) -> None:
        """Drop every connection and stop listening."""
        for w in self._writers:
            w.close()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()


class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        """Accept and keep the message."""
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def password_check(username: str, password: str) -> Callable[..., AuthResult]:
    """An aiosmtpd authenticator accepting one login."""

    def check(server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and data.login.decode() == username and data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    return check


class LoopbackSMTP(Controller):
    """aiosmtpd's threaded controller on a port the system picks (it otherwise probes its configured port)."""

    def __init__(self, handler: Mailbox, **kwargs: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=0, **kwargs)

    def _trigger_server(self) -> None:
        assert isinstance(self.server, asyncio.Server)
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()  # type: ignore[no-untyped-call]


def loopback_certificate(directory: Path) -> tuple[Path, Path, Path]:
    """A private CA and a certificate for 127.0.0.1 it signed, made with openssl: (ca, cert, key)."""
    ca_key, ca, key, csr, cert = (directory / n for n in ("ca.key", "ca.pem", "server.key", "server.csr", "server.pem"))
    ext = directory / "san.ext"
    ext.write_text("subjectAltName = IP:127.0.0.1\n")
    for args in (
        ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca, "-days", "2",
         "-subj", "/CN=tuichart test CA"],
        ["req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1"],
        ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial", "-out", cert, "-days", "2",
         "-extfile", ext],
    ):
        subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=60)
    return ca, cert, key
