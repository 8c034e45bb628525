"""The popout server on port 0 against a real store: token, Host check, no traversal, loopback only."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.cli.helpers import run_cli
from tests.conftest import VISION_ZIPS
from tuichart.domain import Interval, SeriesKey
from tuichart.indicators import DEFAULT_STUDIES
from tuichart.services.chart_data import ChartData
from tuichart.services.chart_snapshot import chart_snapshot
from tuichart.services.history import load_history
from tuichart.store import Store
from tuichart.web import PopoutServer
from tuichart.web.security import loopback_host, static_name, token_ok

LAST = 600


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[tuple[PopoutServer, Store]]:
    assert run_cli("import", *VISION_ZIPS, "--data-dir", tmp_path / "data").returncode == 0
    store = Store.open(tmp_path / "data", read_only=True)

    async def snapshot(key: SeriesKey) -> dict[str, Any]:
        history = load_history(store, key, 500 + LAST, endpoints=None)
        return chart_snapshot(ChartData(key, DEFAULT_STUDIES, history.candles), LAST)

    srv = PopoutServer(snapshot)
    await srv.start()
    try:
        yield srv, store
    finally:
        await srv.stop()
        store.close()


def base(srv: PopoutServer) -> str:
    return f"http://127.0.0.1:{srv.port}"


async def test_snapshot_needs_the_token_and_a_loopback_host(server: tuple[PopoutServer, Store]) -> None:
    srv, store = server
    query = {"symbol": "btcusdt", "interval": "1m"}
    async with httpx.AsyncClient(base_url=base(srv)) as http:
        assert (await http.get("/api/snapshot", params=query)).status_code == 403
        assert (await http.get("/api/snapshot", params={**query, "token": srv.token + "x"})).status_code == 403
        rebinding = await http.get("/api/snapshot", params={**query, "token": srv.token}, headers={"Host": "a.evil"})
        assert rebinding.status_code == 403 and "127.0.0.1 or localhost" in rebinding.text
        ok = await http.get("/api/snapshot", params={**query, "token": srv.token}, headers={"Host": "localhost"})
    assert ok.status_code == 200 and "access-control-allow-origin" not in ok.headers
    body = ok.json()
    stored = store.load(SeriesKey("BTCUSDT", Interval.M1), last=LAST)
    assert body["symbol"] == "BTCUSDT" and body["interval"] == "1m" and body["forming"] is False
    assert [c["time"] * 1000 for c in body["candles"]] == stored["open_time"].to_list()
    assert [c["close"] for c in body["candles"]] == stored["close"].to_list()
    assert set(body["indicators"]) == {c for s in DEFAULT_STUDIES for c in s.columns}
    assert all(len(v) == LAST for v in body["indicators"].values())
    assert all(v is not None for v in body["indicators"]["rsi"])  # 500 warm-up candles before the first shown


async def test_bad_requests_are_plain_errors(server: tuple[PopoutServer, Store]) -> None:
    srv, _ = server
    async with httpx.AsyncClient(base_url=base(srv)) as http:
        bad = await http.get("/api/snapshot", params={"symbol": "BTC$", "interval": "1m", "token": srv.token})
        assert bad.status_code == 400 and "invalid symbol" in bad.text
        bad = await http.get("/api/snapshot", params={"symbol": "BTCUSDT", "interval": "2m", "token": srv.token})
        assert bad.status_code == 400 and "unknown interval" in bad.text
        for path in ("/../../etc/passwd", "/static/..%2f..%2fpyproject.toml", "/api/../api/snapshot%2f.."):
            assert (await http.get(path, params={"token": srv.token})).status_code == 404


async def test_listens_on_loopback_only(server: tuple[PopoutServer, Store]) -> None:
    srv, _ = server
    assert srv.url == f"http://127.0.0.1:{srv.port}/?token={srv.token}"
    assert srv.ssh_hint("me@box") == f"ssh -L {srv.port}:127.0.0.1:{srv.port} me@box"
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.connect(("10.255.255.255", 1))  # picks the outward interface; sends nothing
    outward = probe.getsockname()[0]
    probe.close()
    assert not outward.startswith("127.")
    with pytest.raises(OSError):
        socket.create_connection((outward, srv.port), timeout=2).close()


def test_security_rules() -> None:
    assert token_ok("abc", "abc") and not token_ok(None, "abc") and not token_ok("abd", "abc")
    accepted = ["127.0.0.1", "127.0.0.1:8080", "localhost", "LOCALHOST:1", "[::1]", "[::1]:80"]
    refused = ["", "evil.com", "evil.com:80", "127.0.0.1.evil.com", "127.0.0.2", "localhost:x", "[::1]x", "0.0.0.0"]
    assert all(loopback_host(h) for h in accepted)
    assert not any(loopback_host(h) for h in refused)
    known = frozenset({"app.js", "index.html"})
    assert static_name("app.js", known) == "app.js"
    assert static_name("../app.js", known) is None and static_name("APP.JS", known) is None
