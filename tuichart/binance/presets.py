"""Exchange presets and `--exchange URL` resolution."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlparse

from tuichart.errors import BadInput


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where an exchange serves REST and websocket streams."""

    name: str
    rest_base: str
    ws_base: str

    @property
    def host(self) -> str:
        """The REST host, for messages."""
        return urlparse(self.rest_base).netloc


PRESETS: dict[str, Endpoints] = {
    "binance": Endpoints("binance", "https://api.binance.com", "wss://stream.binance.com:9443"),
    "binance-vision": Endpoints(
        "binance-vision", "https://data-api.binance.vision", "wss://data-stream.binance.vision"
    ),
    "binance-us": Endpoints("binance-us", "https://api.binance.us", "wss://stream.binance.us:9443"),
}


def resolve_exchange(name_or_url: str) -> Endpoints:
    """A preset by name, or an embedded exchange at an http(s) URL (its websockets on the same port)."""
    text = name_or_url.strip()
    if text in PRESETS:
        return PRESETS[text]
    url = urlparse(text)
    if url.scheme in ("http", "https") and url.netloc:
        path = url.path.rstrip("/")  # a recorder's token, say: REST and websockets both live below it
        base = f"{url.scheme}://{url.netloc}{path}"
        ws = ("wss" if url.scheme == "https" else "ws") + f"://{url.netloc}{path}"
        return Endpoints(url.netloc, base, ws)
    raise BadInput(f"unknown exchange {name_or_url!r}; use {', '.join(PRESETS)} or a URL like http://127.0.0.1:8765")
