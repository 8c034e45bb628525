"""Whether to open a browser for the user: only with a graphical display and a graphical browser."""

from __future__ import annotations

import sys
import webbrowser
from collections.abc import Mapping

CONSOLE_BROWSERS = frozenset({"www-browser", "lynx", "links", "elinks", "w3m", "browsh", "links2"})


def has_display(env: Mapping[str, str], platform: str = sys.platform) -> bool:
    """True on macOS and Windows, or where X11 or Wayland is reachable (not over a plain SSH session)."""
    if platform in ("darwin", "win32"):
        return True
    return bool(env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"))


def graphical_browser(env: Mapping[str, str]) -> bool:
    """False when the configured browser would take over this terminal (lynx, w3m, …) or none is known."""
    names = [n for n in env.get("BROWSER", "").split(":") if n]
    if any(n.split("/")[-1].split()[0] in CONSOLE_BROWSERS for n in names):
        return False
    try:
        controller = webbrowser.get()
    except webbrowser.Error:
        return False
    name = getattr(controller, "name", "") or type(controller).__name__
    return name.split("/")[-1] not in CONSOLE_BROWSERS


def open_browser(url: str, env: Mapping[str, str]) -> bool:
    """Open `url` when that is safe here; True if a browser was asked to."""
    if not (has_display(env) and graphical_browser(env)):
        return False
    try:
        return webbrowser.open(url, new=2)
    except webbrowser.Error:
        return False
