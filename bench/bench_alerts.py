"""Alert benchmark: kline events per second through the alert engine while its alerts go to no channel, a
refused one, a black hole.

The loop decodes real kline frames, evaluates them with the alert engine (rules on price, RSI and MACD, on every
tick), submits what fires, and yields to the event loop every few frames as a socket read does. A down channel
should not slow it: goal b/a, c/a >= 0.95.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_spine import KEY, frames  # noqa: E402

from tuichart.alerts.channel import Channel  # noqa: E402
from tuichart.alerts.dispatch import Dispatcher  # noqa: E402
from tuichart.alerts.engine import AlertEngine  # noqa: E402
from tuichart.alerts.fired import FiredAlert  # noqa: E402
from tuichart.alerts.notify_settings import TelegramSettings  # noqa: E402
from tuichart.alerts.rules import AlertRule  # noqa: E402
from tuichart.alerts.telegram import TelegramChannel  # noqa: E402
from tuichart.binance.protocol import FrameParser  # noqa: E402
from tuichart.domain import KlineEvent  # noqa: E402

EVENTS = 100_000
YIELD_EVERY = 10
ROUNDS = 3


def bench_rules(data: Sequence[bytes]) -> list[AlertRule]:
    """A price level the data crosses often (its median close), and indicator rules, all on every tick."""
    closes = sorted(ev.candle.close for f in data for ev in FrameParser().parse(f) if isinstance(ev, KlineEvent))
    level = f"{closes[len(closes) // 2]:.8g}"
    whens = (f"price crosses {level}", "rsi above 70", "macd crosses signal")
    sym, iv = KEY.symbol, KEY.interval.code
    return [AlertRule.make(f"r{n}", sym, iv, w, cooldown="0s", on="tick") for n, w in enumerate(whens)]


async def klines_per_second(
    data: Sequence[bytes], rules: Sequence[AlertRule], channels: Sequence[Channel]
) -> tuple[float, int, int]:
    """(events per second through parse + alert engine + submit, alerts fired, outcomes reported)."""
    outcomes = fired = 0

    def on_result(name: str, alert: FiredAlert, error: str | None) -> None:
        nonlocal outcomes
        outcomes += 1

    dispatcher = Dispatcher(channels, on_result=on_result)
    dispatcher.start()
    parser = FrameParser()
    engine = AlertEngine(rules, lambda key, before, n: [], source="record", symbols=[KEY.symbol])
    t0 = time.perf_counter()
    for i, frame in enumerate(data):
        for ev in parser.parse(frame):
            if isinstance(ev, KlineEvent):
                for alert in engine.on_kline(ev):
                    dispatcher.submit(alert)
                    fired += 1
        if i % YIELD_EVERY == 0:
            await asyncio.sleep(0)
    rate = len(data) / (time.perf_counter() - t0)
    await dispatcher.aclose(timeout=0.1)
    return rate, fired, outcomes


def refused_url() -> str:
    """A loopback URL whose port refuses connections."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{s.getsockname()[1]}"


async def bench() -> tuple[float, float, float, int, int, int]:
    """Best of ROUNDS for (a) no channel, (b) Telegram refused, (c) Telegram at a black hole; outcomes, fired."""
    data = frames(EVENTS)
    rules = bench_rules(data)
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        while await reader.read(65536):
            pass

    hole = await asyncio.start_server(hold, "127.0.0.1", 0)
    hole_url = f"http://127.0.0.1:{hole.sockets[0].getsockname()[1]}"
    refused = refused_url()

    def telegram(url: str) -> TelegramChannel:
        return TelegramChannel(TelegramSettings(token="1:bench", chat_id="1", api_url=url), timeout=1.0)

    best = [0.0, 0.0, 0.0]
    seen = [0, 0]
    fired = 0
    for _ in range(ROUNDS):
        for k, chans in enumerate(([], [telegram(refused)], [telegram(hole_url)])):
            rate, fired, outcomes = await klines_per_second(data, rules, chans)
            best[k] = max(best[k], rate)
            if k:
                seen[k - 1] = max(seen[k - 1], outcomes)
    for w in held:
        w.close()
    hole.close()
    return best[0], best[1], best[2], seen[0], seen[1], fired


def main() -> list[tuple[str, str, str, str]]:
    """Rows of (metric, measured, goal, verdict)."""
    alerts = logging.getLogger("tuichart.alerts")
    alerts.addHandler(logging.NullHandler())  # failures are logged by design; keep them off the bench's stderr
    alerts.propagate = False
    a, b, c, refused_outcomes, hole_outcomes, fired = asyncio.run(bench())
    per = f"3 tick rules, {fired} alerts in {EVENTS // 1000}k events"
    return [
        (f"klines/s, alerts on no channel ({per})", f"{a / 1000:,.0f}k/s", "baseline", "-"),
        (
            "klines/s, Telegram refused (b/a)",
            f"{b / 1000:,.0f}k/s",
            ">= 0.95 of baseline",
            f"{b / a / 0.95:.2f}x goal; ratio {b / a:.2f}; {refused_outcomes} failures reported during the run",
        ),
        (
            "klines/s, Telegram black hole (c/a)",
            f"{c / 1000:,.0f}k/s",
            ">= 0.95 of baseline",
            f"{c / a / 0.95:.2f}x goal; ratio {c / a:.2f}; {hole_outcomes} failures reported during the run",
        ),
    ]


if __name__ == "__main__":
    for row in main():
        print(" | ".join(row))
