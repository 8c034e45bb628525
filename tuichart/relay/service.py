"""A running recorder serving what it holds on 127.0.0.1: Binance's protocol plus a few private endpoints."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
from pathlib import Path
from typing import Any

from aiohttp import web

from tuichart.alerts.condition import Condition, parse_condition
from tuichart.domain import Candle, FiredAlert, Interval, SeriesKey
from tuichart.engine.engine import MarketEngine
from tuichart.errors import TuichartError
from tuichart.jobs.scan import ScanRow, scan
from tuichart.jobs.scan_source import stored_market, with_forming
from tuichart.relay.client import SCAN_PATH, scan_row_body
from tuichart.relay.discovery import INFO_PATH, CommandRunner, Recorder, announce, recorder_file, withdraw
from tuichart.relay.hub import RelayHub
from tuichart.relay.pushes import RecentPushes
from tuichart.relay.rest import RelayRest
from tuichart.web.security import new_token

log = logging.getLogger(__name__)

class RecorderService:
    """Serves a recorder's data to attached sessions; the file naming it lives while it runs."""

    def __init__(self, engine: MarketEngine, data_dir: Path, state: Path, run: CommandRunner, port: int = 0) -> None:
        self.engine = engine
        self.data_dir = data_dir
        self.pushes = RecentPushes()
        self.hub = RelayHub(self._trading, self._watch)
        self.rest = RelayRest(engine, self.pushes)
        self._run = run
        self._port = port
        self._file = recorder_file(state, data_dir)
        self._runner: web.AppRunner | None = None
        self.recorder: Recorder | None = None
        self._trading_of: tuple[int, frozenset[str]] = (0, frozenset())
        self._wanted: set[SeriesKey] = set()
        self._watching: asyncio.Task[None] | None = None
        engine.subscribe(self.pushes)
        engine.subscribe(self.hub)

    def fired(self, alert: FiredAlert) -> None:
        """An alert the recorder fired, for attached apps to show."""
        self.pushes.fired.append(alert)

    async def start(self) -> Recorder:
        """Listen on 127.0.0.1 (a free port unless one was given) and write the file naming this recorder."""
        token = new_token()
        prefix = f"/{token}"
        app = web.Application(client_max_size=1 << 20)
        app.add_routes(
            self.rest.routes(prefix)
            + self.hub.routes(prefix)
            + [
                web.get(prefix + INFO_PATH, self._info),
                web.get(prefix + "/tuichart/v1/alerts", self._alerts),
                web.get(prefix + "/tuichart/v1/alerts/stored", self._stored_alerts),
                web.post(prefix + "/tuichart/v1/run", self._command),
                web.get(prefix + SCAN_PATH, self._scan),
            ]
        )
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self._port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[attr-defined]
        port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        self.hub.start()
        self.recorder = Recorder(f"http://127.0.0.1:{port}{prefix}", os.getpid(), str(self.data_dir))
        announce(self._file, self.recorder)
        return self.recorder

    async def stop(self) -> None:
        """Withdraw the file, close every connection, stop listening."""
        if self.recorder is not None:
            withdraw(self._file, self.recorder)
        if self._watching is not None:
            self._watching.cancel()
        await self.hub.stop()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _trading(self) -> frozenset[str]:
        trading = self.engine.trading
        if self._trading_of[0] != id(trading):
            self._trading_of = (id(trading), frozenset(trading))
        return self._trading_of[1]

    def _watch(self, keys: set[SeriesKey]) -> None:
        """Stream the series attached clients want beyond those recorded (one change at a time, the newest wins)."""
        recorded = set(self.engine.keys)
        self._wanted = {k for k in keys if k not in recorded}
        if self._watching is None or self._watching.done():
            self._watching = asyncio.get_running_loop().create_task(self._apply_watch())

    async def _apply_watch(self) -> None:
        applied: set[SeriesKey] | None = None
        while applied != self._wanted:
            applied = set(self._wanted)
            try:
                await self.engine.set_extra(sorted(applied, key=str))
            except Exception:
                log.exception("streaming the series attached clients asked for failed")
                return

    async def _info(self, request: web.Request) -> web.Response:
        engine = self.engine
        return web.json_response(
            {
                "pid": os.getpid(),
                "data_dir": str(self.data_dir),
                "exchange": engine.rest.endpoints.name,
                "series": len(engine.keys),
                "intervals": [iv.value for iv in engine.intervals],
                "attached": len(self.hub.connections),
            }
        )

    async def _alerts(self, request: web.Request) -> web.Response:
        """Alerts fired since the nth of this run (`after`), and the count to ask after next."""
        fired = self.pushes.fired
        try:
            after = max(0, int(request.query.get("after", "0")))
        except ValueError:
            raise web.HTTPBadRequest(text="after: a number") from None
        return web.json_response({"next": len(fired), "alerts": [_alert_body(a) for a in fired[after:]]})

    async def _stored_alerts(self, request: web.Request) -> web.Response:
        try:
            limit = min(500, max(1, int(request.query.get("limit", "50"))))
        except ValueError:
            raise web.HTTPBadRequest(text="limit: a number") from None
        stored = await asyncio.to_thread(self.engine.store.fired_alerts, limit)
        return web.json_response({"alerts": [_alert_body(a) for a in stored]})

    async def _scan(self, request: web.Request) -> web.Response:
        """The market scan of the store plus each series' forming candle (an attached app's scan screen)."""
        q = request.query
        try:
            interval = Interval.parse(q.get("interval", "1h"))
            condition = parse_condition(q["where"]) if q.get("where") else None
        except TuichartError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        quotes = [a.strip().upper() for a in q.get("quote", "USDT").split(",") if a.strip()]
        forming = {k.symbol: c for k, c in self.pushes.forming.items() if k.interval is interval}
        rows = await asyncio.to_thread(self._scan_rows, interval, quotes, condition, forming)
        return web.json_response({"rows": [scan_row_body(r) for r in rows]})

    def _scan_rows(
        self, interval: Interval, quotes: list[str], condition: Condition | None, forming: dict[str, Candle]
    ) -> list[ScanRow]:
        return scan(with_forming(stored_market(self.engine.store, interval, quotes), forming), interval, condition)

    async def _command(self, request: web.Request) -> web.Response:
        body: Any = await request.json()
        argv, cwd = body.get("argv"), body.get("cwd")
        if not isinstance(argv, list) or not all(isinstance(a, str) for a in argv) or not isinstance(cwd, str):
            raise web.HTTPBadRequest(text="argv: a list of strings; cwd: a string")
        code, out, err = await asyncio.to_thread(self._run, argv, cwd)
        return web.json_response({"code": code, "stdout": out, "stderr": err})


def _alert_body(alert: FiredAlert) -> dict[str, Any]:
    return dataclasses.asdict(alert)
