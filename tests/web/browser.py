"""Headless Chromium for page tests: the DOM after the page's scripts ran, and a screenshot."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path

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
    assert path, "chromium is needed for the popout tests (.ci/run installs it)"
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
