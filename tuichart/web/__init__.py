"""The browser popout: a loopback HTTP + websocket server with a per-run token."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tuichart.web.server import PopoutServer

__all__ = ["PopoutServer"]


def __getattr__(name: str) -> Any:
    """`PopoutServer` on first use: aiohttp (~20 MB) is loaded only when a popout is served."""
    if name == "PopoutServer":
        from tuichart.web.server import PopoutServer

        return PopoutServer
    raise AttributeError(name)
