"""The popout server on port 0 against a real store: token, Host check, no traversal, loopback only."""

from __future__ import annotations

import html
import json
import os
import re
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from tests.cli.helpers import run_cli
from tests.data_paths import VISION_ZIPS
from tests.e2e.harness import exchange_process
from tests.web import browser
from tuichart.domain import Interval, SeriesKey
from tuichart.engine.chart_data import ChartData
from tuichart.engine.chart_snapshot import chart_snapshot
from tuichart.engine.history import load_history
from tuichart.indicators import DEFAULT_STUDIES
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

    srv = PopoutServer(snapshot, SeriesKey("BTCUSDT", Interval.M1))
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
    studies = {s["kind"]: s for s in body["studies"]}
    assert studies["rsi"] == {
        "kind": "rsi",
        "label": "RSI 14",
        "columns": ["rsi"],
        "overlay": False,
        "scale": "points",
        "bounds": [0.0, 100.0],
        "guides": [30.0, 70.0],
    }
    assert studies["stoch"]["bounds"] == [0.0, 100.0] and studies["stoch"]["guides"] == [20.0, 80.0]
    assert studies["macd"]["bounds"] is None and studies["macd"]["label"] == "MACD 12 26 9"


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


async def test_the_page_draws_the_snapshot_in_chromium(server: tuple[PopoutServer, Store], tmp_path: Path) -> None:
    srv, _ = server
    page = await browser.dom(srv.url, tmp_path / "profile")
    body = re.search(r"<body[^>]*>", page)
    assert body is not None, page[:500]
    attrs = dict(re.findall(r'data-([a-z]+)="([^"]*)"', body.group(0)))
    assert attrs["state"] == "drawn", page[:2000]
    assert attrs["candles"] == str(LAST) and attrs["symbol"] == "BTCUSDT" and attrs["interval"] == "1m"
    assert page.count("<canvas") >= 5  # price, volume and three indicator panes
    titles = re.findall(r'<div class="pane-title">([^<]*)</div>', page)
    assert titles == ["EMA 12 · EMA 26 · BB 20 2", "Volume", "RSI 14", "MACD 12 26 9", "Stoch 14 3"]
    assert json.loads(html.unescape(attrs["scales"])) == {"rsi": [0, 100], "stoch": [0, 100]}  # the chart's scales
    assert attrs["guides"] == "4"  # RSI 30/70, Stoch 20/80
    assert 'id="tv-attr-logo"' in page  # the library's attribution stays on (Apache-2.0 notice)
    png = await browser.screenshot(srv.url, tmp_path / "profile2", tmp_path / "page.png")
    assert png.startswith(b"\x89PNG") and len(png) > 20_000  # a drawn chart, not an empty page


async def test_the_page_and_its_files_need_the_token(server: tuple[PopoutServer, Store]) -> None:
    srv, _ = server
    async with httpx.AsyncClient(base_url=base(srv)) as http:
        assert (await http.get("/")).status_code == 403
        assert (await http.get("/static/popout.js")).status_code == 403
        page = await http.get("/", params={"token": srv.token})
        assert page.status_code == 200 and "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert f"/static/popout.js?token={srv.token}" in page.text
        assert (await http.get("/static/popout.js", params={"token": srv.token})).status_code == 200
        assert (await http.get("/static/index.html", params={"token": srv.token})).status_code == 404
        upgrade = {
            "Connection": "Upgrade",
            "Upgrade": "websocket",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        }
        assert (await http.get("/ws", headers=upgrade)).status_code == 403  # the live feed needs the token too
        assert (await http.get("/ws", params={"token": srv.token}, headers=upgrade)).status_code == 101
        assert (await http.get("/static/vendor/../popout.js", params={"token": srv.token})).status_code in (200, 404)


def test_the_chart_library_is_pinned_and_checked(tmp_path: Path) -> None:
    from tuichart.web import vendor

    copy = vendor.vendored()
    assert copy is not None, "make fetches lightweight-charts into tuichart/web/static/vendor"
    assert vendor.integrity(copy.read_bytes(), "sha384") == vendor.FILE_INTEGRITY
    assert b"Lightweight Charts\xe2\x84\xa2 v" + vendor.VERSION.encode() in copy.read_bytes()[:300]
    with pytest.raises(ValueError, match="integrity does not match"):
        vendor.extract(b"not the pinned tarball")
    (tmp_path / vendor.FILE_NAME).write_text("tampered")
    assert vendor.vendored(tmp_path) is None  # a changed file is not served


def test_a_browser_is_opened_only_with_a_display_and_a_graphical_browser() -> None:
    from tuichart.web.browser import graphical_browser, has_display

    assert not has_display({}, "linux") and not has_display({"SSH_CONNECTION": "1.2.3.4 5 6.7.8.9 22"}, "linux")
    assert has_display({"DISPLAY": ":0"}, "linux") and has_display({"WAYLAND_DISPLAY": "wayland-0"}, "linux")
    assert has_display({}, "darwin")
    assert not graphical_browser({"BROWSER": "lynx"}) and not graphical_browser({"BROWSER": "/usr/bin/w3m %s"})


def test_tuichart_web_serves_until_ctrl_c(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys

    config = tmp_path / "config.toml"  # an alert level for the page to draw
    config.write_text('[[alerts]]\nid = "e"\nsymbol = "ETHUSDT"\ninterval = "1h"\nwhen = "price crosses 3000"\n')
    env = {**os.environ, "NO_COLOR": "1", "XDG_STATE_HOME": str(tmp_path), "TUICHART_CONFIG": str(config)}
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    with exchange_process("--synthetic", "BTCUSDT", "ETHUSDT", "--seed", "4") as ex:
        args = ["web", "ETHUSDT", "-i", "5m", "--exchange", ex.url, "--data-dir", str(tmp_path / "data")]
        proc = subprocess.Popen(
            [sys.executable, "-m", "tuichart", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert proc.stdout is not None
        first = proc.stdout.readline()  # the URL is the result: stdout
        m = re.search(r"for ETHUSDT 5m at (http://127\.0\.0\.1:(\d+)/\?token=([\w-]+))", first)
        assert m, first
        hint = proc.stdout.readline()
        assert f"ssh -L {m.group(2)}:127.0.0.1:{m.group(2)} user@host" in hint
        query = {"token": m.group(3), "symbol": "ETHUSDT", "interval": "5m"}
        snap = httpx.get(f"http://127.0.0.1:{m.group(2)}/api/snapshot", params=query, timeout=30).json()
        page = httpx.get(m.group(1), timeout=10)
        with connect(f"ws://127.0.0.1:{m.group(2)}/ws?token={m.group(3)}", open_timeout=10) as ws:
            kinds = [json.loads(ws.recv(timeout=10))["type"] for _ in range(2)]
            live = json.loads(ws.recv(timeout=15))  # the exchange's next push, relayed
        proc.send_signal(signal.SIGINT)
        _, rest = proc.communicate(timeout=20)  # stderr: "Ctrl-C stops", then the interruption
    assert len(snap["candles"]) == 1000 and snap["interval"] == "5m"  # fetched over REST into an empty store
    assert snap["levels"] == {"close": [3000.0]}
    assert page.status_code == 200 and 'data-interval="5m"' in page.text
    assert kinds == ["watchlist", "select"]
    assert live["type"] == "candle" and live["symbol"] == "ETHUSDT" and live["interval"] == "5m"
    assert live["candle"]["time"] >= snap["candles"][-1]["time"]  # newer than the history
    assert proc.returncode == 130 and "Traceback" not in rest
    bad = run_cli("web", "BTC$", "--data-dir", tmp_path / "data")
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "invalid symbol" in bad.stderr


async def test_the_page_reconnects_after_a_restart_on_a_kept_port_and_token(tmp_path: Path) -> None:
    from tuichart.web.security import kept_token

    token = kept_token(tmp_path / "state" / "popout-token")
    assert kept_token(tmp_path / "state" / "popout-token") == token  # the same across runs
    assert (tmp_path / "state" / "popout-token").stat().st_mode & 0o077 == 0  # private to the user
    assert run_cli("import", *VISION_ZIPS, "--data-dir", tmp_path / "data").returncode == 0
    store = Store.open(tmp_path / "data", read_only=True)

    async def snapshot(key: SeriesKey) -> dict[str, Any]:
        return chart_snapshot(
            ChartData(key, DEFAULT_STUDIES, load_history(store, key, 800, endpoints=None).candles), 300
        )

    key = SeriesKey("BTCUSDT", Interval.M1)
    first = PopoutServer(snapshot, key, token=token)
    await first.start()
    port = first.port
    try:
        async with browser.Page(tmp_path / "profile") as page:
            await page.navigate(first.url)
            await page.wait(lambda d: d.get("state") == "drawn" and d.get("live") == "yes")
            await first.stop()  # the app quits
            await page.wait(lambda d: d.get("live") == "no")
            second = PopoutServer(snapshot, key, port=port, token=token)
            await second.start()  # and starts again on the same port
            try:
                back = await page.wait(lambda d: d.get("live") == "yes" and d.get("loads") == "2", timeout=30)
                assert back["state"] == "drawn" and back["candles"] == "300"  # what was missed is loaded again
            finally:
                await second.stop()
    finally:
        await first.stop()
        store.close()
