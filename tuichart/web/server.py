"""The popout server: loopback only, a per-run token on every request, a Host check against DNS rebinding."""

from __future__ import annotations

import asyncio
import html
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiohttp import web

from tuichart.domain import Interval, SeriesKey, normalize_symbol
from tuichart.errors import BadInput
from tuichart.web.security import loopback_host, new_token, static_name, token_ok
from tuichart.web.vendor import CDN_URL, FILE_INTEGRITY, FILE_NAME, VENDOR_DIR, vendored

STATIC = Path(__file__).resolve().parent / "static"
STATIC_FILES = frozenset({"popout.js", "popout.css", f"vendor/{FILE_NAME}"})
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self' https://cdn.jsdelivr.net; style-src 'self'; "
        "connect-src 'self' ws://127.0.0.1:* ws://localhost:* ws://[::1]:*; img-src 'self' data:; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}

Snapshot = Callable[[SeriesKey], Awaitable[dict[str, Any]]]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PopoutServer:
    """Serves chart snapshots to the popout page; bind with `start()`, then hand out `url`."""

    def __init__(
        self,
        snapshot: Snapshot,
        key: SeriesKey,
        *,
        symbols: list[str] | None = None,
        port: int = 0,
        token: str | None = None,
    ) -> None:
        self.snapshot = snapshot
        self.key = key
        """The chart the page opens on."""
        self.symbols = list(symbols or [key.symbol])
        """The watchlist the page offers."""
        self.token = token or new_token()
        self.port = port
        self._runner: web.AppRunner | None = None
        self._clients: set[web.WebSocketResponse] = set()
        self._sends: set[asyncio.Task[None]] = set()

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
        app.add_routes(
            [
                web.get("/", self._page),
                web.get("/api/snapshot", self._snapshot),
                web.get("/ws", self._socket),
                web.get("/static/{name:.+}", self._static),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self.port = int(self._runner.addresses[0][1])
        return self.url

    @property
    def clients(self) -> int:
        """Pages connected now."""
        return len(self._clients)

    def select(self, key: SeriesKey) -> None:
        """The terminal shows another chart: pages switch to it."""
        if key != self.key:
            self.key = key
            self.send({"type": "select", "symbol": key.symbol, "interval": key.interval.value})

    def refresh(self) -> None:
        """The chart shown got its history: pages draw it again from a fresh snapshot."""
        self.send({"type": "select", "symbol": self.key.symbol, "interval": self.key.interval.value, "fresh": True})

    def set_symbols(self, symbols: list[str]) -> None:
        """The watchlist changed: pages update their list."""
        self.symbols = list(symbols)
        self.send({"type": "watchlist", "symbols": self.symbols})

    def send(self, message: dict[str, Any]) -> None:
        """Send a message to every connected page (from the event loop; never waits for slow pages)."""
        if not self._clients:
            return
        task = asyncio.get_running_loop().create_task(self._broadcast(message))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def _broadcast(self, message: dict[str, Any]) -> None:
        for ws in list(self._clients):
            try:
                await ws.send_json(message)
            except (ConnectionError, RuntimeError):
                self._clients.discard(ws)

    async def stop(self) -> None:
        """Close every connection and the listening socket."""
        for ws in list(self._clients):
            await ws.close()
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

    async def _page(self, request: web.Request) -> web.Response:
        page = (STATIC / "index.html").read_text()
        token = html.escape(self.token)
        if vendored() is not None:
            library = f'<script src="/static/vendor/{FILE_NAME}?token={token}"></script>'
        else:  # set-up could not fetch it: the same pinned file from the CDN, checked by the browser
            library = f'<script src="{CDN_URL}" integrity="{FILE_INTEGRITY}" crossorigin="anonymous"></script>'
        for name, value in (
            ("{token}", token),
            ("{symbol}", html.escape(self.key.symbol)),
            ("{interval}", html.escape(self.key.interval.value)),
            ("{library}", library),
        ):
            page = page.replace(name, value)
        return web.Response(text=page, content_type="text/html", headers=PAGE_HEADERS)

    async def _static(self, request: web.Request) -> web.Response:
        name = static_name(request.match_info["name"], STATIC_FILES)
        if name is None:
            raise web.HTTPNotFound()
        path = (VENDOR_DIR / FILE_NAME) if name.startswith("vendor/") else STATIC / name
        if not path.is_file():
            raise web.HTTPNotFound()
        kind = "text/css" if name.endswith(".css") else "text/javascript"
        return web.Response(body=path.read_bytes(), content_type=kind, headers={"Cache-Control": "no-store"})

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=20, timeout=2.0)  # quitting never waits long on a stuck tab
        await ws.prepare(request)
        self._clients.add(ws)
        try:
            await ws.send_json({"type": "watchlist", "symbols": self.symbols})
            await ws.send_json({"type": "select", "symbol": self.key.symbol, "interval": self.key.interval.value})
            async for _ in ws:  # the page only listens; anything it sends is ignored
                pass
        finally:
            self._clients.discard(ws)
        return ws

    async def _snapshot(self, request: web.Request) -> web.Response:
        try:
            key = SeriesKey(
                normalize_symbol(request.query.get("symbol", "")), Interval.parse(request.query.get("interval", ""))
            )
        except (BadInput, ValueError) as exc:
            return web.Response(status=400, text=f"{exc}\n")
        return web.json_response(await self.snapshot(key))
