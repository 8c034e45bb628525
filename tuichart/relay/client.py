"""What an attached session asks its recorder beyond Binance's protocol: the alerts it fired, the market scan."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import httpx

from tuichart.domain import FiredAlert, Interval
from tuichart.jobs.scan import ScanRow

SCAN_PATH = "/tuichart/v1/scan"

FOLLOW_EVERY = 1.0
"""Seconds between two questions for new alerts."""


class RecorderLink:
    """Asks one recorder (its URL, token included) over loopback."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self._client = httpx.AsyncClient(timeout=5.0)

    async def aclose(self) -> None:
        """Close the connection."""
        await self._client.aclose()

    async def fired_after(self, after: int | None) -> tuple[int, list[FiredAlert]]:
        """Alerts the recorder fired since its `after`th of this run (None: none yet, only where to start), and the
        count to ask after next."""
        body = await self._get("/tuichart/v1/alerts", {"after": str(after if after is not None else 1 << 62)})
        return int(body["next"]), [_alert(a) for a in body["alerts"]]

    async def stored_fired(self, limit: int = 50) -> list[FiredAlert]:
        """The newest fired alerts in the recorder's store, newest first."""
        body = await self._get("/tuichart/v1/alerts/stored", {"limit": str(limit)})
        return [_alert(a) for a in body["alerts"]]

    async def scan(self, quote: str, interval: Interval, where: str | None = None) -> list[ScanRow]:
        """The recorder's market scan of `quote` at `interval` (its forming candles included), kept by `where`."""
        params = {"quote": quote, "interval": interval.value, **({"where": where} if where else {})}
        body = await self._get(SCAN_PATH, params)
        return [_scan_row(row) for row in body["rows"]]

    async def _get(self, path: str, params: dict[str, str]) -> Any:
        resp = await self._client.get(self.url + path, params=params)
        resp.raise_for_status()
        return resp.json()


def _alert(body: dict[str, Any]) -> FiredAlert:
    return FiredAlert(**body)


def scan_row_body(row: ScanRow) -> dict[str, Any]:
    """A scan row as JSON allows it (no value: null)."""
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in dataclasses.asdict(row).items()}


def _scan_row(body: dict[str, Any]) -> ScanRow:
    values: dict[str, Any] = {k: math.nan if v is None else v for k, v in body.items()}
    return ScanRow(**values)
