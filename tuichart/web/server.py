"""The popout server: loopback only, a per-run token on every request, a Host check against DNS rebinding."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tuichart.domain import Interval, SeriesKey, normalize_symbol
from tuichart.errors import BadInput
from tuichart.web.security import loopback_host, new_token, token_ok

log = logging.getLogger(__name__)

Snapshot = Callable[[SeriesKey], Awaitable[dict[str, Any]]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PopoutServer:
    """Serves chart snapshots to the popout page; bind with `start()`, then hand out `url`."""

    def __init__(self, snapshot: Snapshot, *, port: int = 0, token: str | None = None) -> None:
        self.snapshot = snapshot
        self.token = token or new_token()
        self.port = port
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        """The address to open, token included."""
        return f"http://127.0.0.1:{self.port}/?token={self.token}"

    def ssh_hint(self, user_at_host: str = "user@host") -> str:
        """The tunnel that makes the page reachable from a laptop."""
        return f"ssh -L {self.port}:127.0.0.1:{self.port} {user_at_host}"

    async def start(self) -> str:
        """Bind 127.0.0.1 (port 0: a free one) and return the URL."""
        app = web.Application(middlewares=[self._guard])
        app.add_routes([web.get("/api/snapshot", self._snapshot)])
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        return self.url

    async def stop(self) -> None:
        """Close every connection and the listening socket."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @web.middleware
    async def _guard(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if not loopback_host(request.headers.get("Host")):
            return web.Response(status=403, text="forbidden: open the page through 127.0.0.1 or localhost\n")
        if not token_ok(request.query.get("token"), self.token):
            return web.Response(status=403, text="forbidden: the URL's token is missing or wrong\n")
        return await handler(request)

    async def _snapshot(self, request: web.Request) -> web.Response:
        try:
            key = SeriesKey(
                normalize_symbol(request.query.get("symbol", "")), Interval.parse(request.query.get("interval", ""))
            )
        except (BadInput, ValueError) as exc:
            return web.Response(status=400, text=f"{exc}\n")
        return web.json_response(await self.snapshot(key))
