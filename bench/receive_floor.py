"""The anchor for the recorder's CPU: a client that only receives the same kline streams (every TRADING symbol of
an exchange at 1m and 1h, 1,000 streams a connection, the websocket library and settings `KlineStream` uses) and
throws each message away. What it costs is the floor below which no recorder built on that library can go.

`python bench/receive_floor.py URL SECONDS` prints `<cpu %> <messages a second>`.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

import httpx
import websockets

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tuichart.binance.stream import MAX_STREAMS as PER_CONNECTION

BATCH = 200  # names per SUBSCRIBE, one every 0.25 s: under Binance's 5 control messages a second


def cpu_seconds() -> float:
    """User + system CPU time of this process so far."""
    fields = Path(f"/proc/{os.getpid()}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def receive(url: str, names: list[str], count: list[int]) -> None:
    """Subscribe one connection to `names` and count what arrives."""
    async with websockets.connect(url, ping_interval=None, close_timeout=1, max_size=2**23) as ws:
        for i in range(0, len(names), BATCH):
            await ws.send(json.dumps({"method": "SUBSCRIBE", "params": names[i : i + BATCH], "id": i}))
            await asyncio.sleep(0.25)
        while True:
            await ws.recv()
            count[0] += 1


async def measure(base: str, seconds: float) -> tuple[float, float]:
    """(CPU % of one core, messages a second) over `seconds`, once every connection is subscribed."""
    async with httpx.AsyncClient(base_url=base) as client:
        info = (await client.get("/api/v3/exchangeInfo")).json()
    symbols = [s["symbol"].lower() for s in info["symbols"] if s["status"] == "TRADING"]
    names = [f"{s}@kline_{i}" for s in symbols for i in ("1m", "1h")]
    ws_url = base.replace("http", "ws", 1) + "/stream"
    count = [0]
    tasks = [
        asyncio.create_task(receive(ws_url, names[i : i + PER_CONNECTION], count))
        for i in range(0, len(names), PER_CONNECTION)
    ]
    await asyncio.sleep(len(names) / PER_CONNECTION * 0.25 + 5)  # subscribed, the first pushes in
    c0, n0, t0 = cpu_seconds(), count[0], time.monotonic()
    await asyncio.sleep(seconds)
    elapsed = time.monotonic() - t0
    for task in tasks:
        task.cancel()
    return (cpu_seconds() - c0) / elapsed * 100, (count[0] - n0) / elapsed


if __name__ == "__main__":
    cpu, rate = asyncio.run(measure(sys.argv[1], float(sys.argv[2])))
    print(f"{cpu:.2f} {rate:.0f}")
