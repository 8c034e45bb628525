"""The browser popout: a loopback HTTP + websocket server with a per-run token."""

from tuichart.web.server import PopoutServer

__all__ = ["PopoutServer"]
