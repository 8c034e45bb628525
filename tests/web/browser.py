"""Headless Chromium for page tests: the DOM after the page's scripts ran, and a screenshot."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import websockets

# as root, with this machine's closed network: no sandbox, no background connections
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
)


def chromium() -> str:
    """The browser `.ci/run` installs."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    assert path, "chromium is needed for the popout tests (.ci/system-tools installs it as root)"
    return path


async def run(url: str, profile: Path, *extra: str, budget_ms: int = 8000) -> str:
    """Load `url`, let its scripts run for up to `budget_ms` of virtual time, return stdout."""
    proc = await asyncio.create_subprocess_exec(
        chromium(),
        *FLAGS,
        f"--user-data-dir={profile}",
        f"--virtual-time-budget={budget_ms}",
        *extra,
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), 90)
    return out.decode()


async def dom(url: str, profile: Path) -> str:
    """The page's DOM after its scripts ran."""
    return await run(url, profile, "--dump-dom")


async def screenshot(url: str, profile: Path, png: Path, size: str = "1200,800") -> bytes:
    """A PNG of the page."""
    await run(url, profile, f"--screenshot={png}", f"--window-size={size}")
    return png.read_bytes()


class Page:
    """A live headless Chromium tab driven over the DevTools protocol (navigate, read the page's state)."""

    def __init__(self, profile: Path) -> None:
        self.profile = profile
        self._proc: asyncio.subprocess.Process | None = None
        self._ws: Any = None
        self._id = 0

    async def __aenter__(self) -> Page:
        self._proc = await asyncio.create_subprocess_exec(
            chromium(),
            *FLAGS,
            f"--user-data-dir={self.profile}",
            "--remote-debugging-port=0",
            "about:blank",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        port_file = self.profile / "DevToolsActivePort"
        for _ in range(300):
            if port_file.exists() and port_file.read_text().count("\n") >= 1:
                break
            await asyncio.sleep(0.05)
        port = int(port_file.read_text().splitlines()[0])
        async with httpx.AsyncClient() as http:
            targets = (await http.get(f"http://127.0.0.1:{port}/json/list")).json()
        url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        self._ws = await websockets.connect(url, max_size=2**24)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._proc is not None:
            self._proc.kill()
            await self._proc.wait()

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        """One DevTools command and its result."""
        self._id += 1
        await self._ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            reply = json.loads(await self._ws.recv())
            if reply.get("id") == self._id:
                return dict(reply.get("result", {}))

    async def navigate(self, url: str) -> None:
        """Open `url` in the tab."""
        await self.call("Page.navigate", url=url)

    async def dataset(self) -> dict[str, str]:
        """The page's `document.body.dataset` (where it reports its state)."""
        result = await self.call(
            "Runtime.evaluate",
            expression="JSON.stringify(document.body ? document.body.dataset : {})",
            returnByValue=True,
        )
        return dict(json.loads(result.get("result", {}).get("value") or "{}"))

    async def wait(self, predicate: Callable[[dict[str, str]], bool], timeout: float = 30.0) -> dict[str, str]:
        """Poll the dataset until `predicate` holds on it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        data: dict[str, str] = {}
        while loop.time() < deadline:
            data = await self.dataset()
            if predicate(data):
                return data
            await asyncio.sleep(0.1)
        raise AssertionError(f"the page did not get there: {data}")
