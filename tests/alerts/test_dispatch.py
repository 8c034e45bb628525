"""The dispatcher: fan-out, one queue per channel, drops when behind, and down channels never holding up klines."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

from tests.alerts.servers import CHAT, TOKEN, BlackHole, BotApi, refused_port, sample_alert, wait_until
from tuichart.alerts import Deliverer
from tuichart.alerts.channel import ChannelError
from tuichart.alerts.dispatch import Dispatcher
from tuichart.alerts.fired import FiredAlert
from tuichart.alerts.hook import CommandChannel
from tuichart.alerts.notify_settings import TelegramSettings
from tuichart.alerts.telegram import TelegramChannel

Result = tuple[str, str, str | None]


class Gate:
    """A channel whose sends wait for the test to open the gate; it keeps what it sent."""

    def __init__(self, name: str, fail: str | None = None) -> None:
        self.name = name
        self.open = asyncio.Event()
        self.sent: list[str] = []
        self.closed = False
        self._fail = fail

    async def send(self, alert: FiredAlert) -> None:
        await self.open.wait()
        if self._fail == "channel":
            raise ChannelError(f"{self.name} is down")
        if self._fail == "bug":
            raise KeyError("oops")
        self.sent.append(alert.rule_id)

    async def aclose(self) -> None:
        self.closed = True


def sent_count(gate: Gate, n: int) -> bool:
    """Whether the gate has sent n alerts."""
    return len(gate.sent) == n


def recorder() -> tuple[list[Result], Callable[[str, FiredAlert, str | None], None]]:
    """An on_result callback and the list it fills."""
    results: list[Result] = []

    def on_result(name: str, alert: FiredAlert, error: str | None) -> None:
        results.append((name, alert.rule_id, error))

    return results, on_result


async def test_every_channel_gets_every_alert_and_each_outcome_is_reported() -> None:
    fast, failing, buggy = Gate("fast"), Gate("down", fail="channel"), Gate("buggy", fail="bug")
    results, on_result = recorder()
    d = Dispatcher([fast, failing, buggy], on_result=on_result)
    deliverer: Deliverer = d
    assert d.channel_names == ["fast", "down", "buggy"]
    d.start()
    deliverer.submit(sample_alert("a"))
    deliverer.submit(sample_alert("b"))
    for g in (fast, failing, buggy):
        g.open.set()
    await wait_until(lambda: len(results) == 6, "six outcomes")
    assert fast.sent == ["a", "b"]
    assert sorted(results) == [
        ("buggy", "a", "KeyError: 'oops'"),
        ("buggy", "b", "KeyError: 'oops'"),
        ("down", "a", "down is down"),
        ("down", "b", "down is down"),
        ("fast", "a", None),
        ("fast", "b", None),
    ]
    await d.aclose()
    assert fast.closed and failing.closed and buggy.closed


async def test_a_stuck_channel_delays_no_other_and_drops_its_oldest(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="tuichart.alerts")
    stuck, fast = Gate("stuck"), Gate("fast")
    fast.open.set()
    results, on_result = recorder()
    d = Dispatcher([stuck, fast], on_result=on_result, queue_size=3)
    d.start()
    d.submit(sample_alert("a0"))
    await wait_until(lambda: len(fast.sent) == 1, "the first alert on the fast channel")
    for i in range(1, 6):
        d.submit(sample_alert(f"a{i}"))
        await wait_until(partial(sent_count, fast, i + 1), f"alert a{i} on the fast channel")
    assert stuck.sent == [] and [r for r in results if r[0] == "stuck"] == []
    assert "channel stuck is behind; dropping its oldest queued alerts" in caplog.text
    stuck.open.set()
    await wait_until(lambda: len(stuck.sent) == 4, "the stuck channel to catch up")
    assert stuck.sent == ["a0", "a3", "a4", "a5"]  # a0 was in flight; a1 and a2 were the oldest queued
    assert "channel stuck: dropped 2 alert(s) while behind" in caplog.text
    await d.aclose()


async def test_aclose_lets_queued_sends_finish_then_cancels_the_rest(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="tuichart.alerts")
    out = tmp_path / "hook.log"
    quick = CommandChannel(f"cat >> {out}; echo >> {out}")
    never = Gate("never")
    results, on_result = recorder()
    d = Dispatcher([quick, never], on_result=on_result)
    d.start()
    for i in range(3):
        d.submit(sample_alert(f"q{i}"))
    await d.aclose()
    assert [r for r in results if r[0] == "command"] == [("command", f"q{i}", None) for i in range(3)]
    assert len([ln for ln in out.read_text().splitlines() if ln]) == 3
    assert never.sent == [] and never.closed
    assert "channel never: 3 alert(s) not delivered before shutdown" in caplog.text
    d.submit(sample_alert("late"))
    assert "alert late not delivered: delivery is shutting down" in caplog.text


async def test_an_on_result_that_raises_does_not_stop_deliveries(caplog: pytest.LogCaptureFixture) -> None:
    sink = Gate("sink")
    sink.open.set()

    def broken(name: str, alert: FiredAlert, error: str | None) -> None:
        raise RuntimeError("handler bug")

    d = Dispatcher([sink], on_result=broken)
    d.start()
    d.submit(sample_alert("x"))
    d.submit(sample_alert("y"))
    await wait_until(lambda: sink.sent == ["x", "y"], "both alerts")
    assert "on_result for alert x via sink failed" in caplog.text
    await d.aclose()


def telegram_at(url: str, name: str) -> TelegramChannel:
    """A Telegram channel with a one-second timeout at the given Bot API."""
    ch = TelegramChannel(TelegramSettings(token=TOKEN, chat_id=CHAT, api_url=url), timeout=1.0)
    ch.name = name
    return ch


async def klines(count: int, results: list[Result], channel: str) -> tuple[int, int]:
    """Process `count` kline-shaped events, yielding to the loop on each as a socket read would.

    Returns how many were processed and how many outcomes `channel` had reported by then."""
    processed = 0
    for _ in range(count):
        processed += 1
        await asyncio.sleep(0)
    return processed, sum(1 for r in results if r[0] == channel)


async def test_refused_channel_fails_every_alert_without_holding_up_klines(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="tuichart.alerts")
    results, on_result = recorder()
    url = f"http://127.0.0.1:{refused_port()}"
    d = Dispatcher([telegram_at(url, "refused")], on_result=on_result, queue_size=1000)
    d.start()
    for i in range(1000):
        d.submit(sample_alert(f"r{i}"))
    assert results == []  # submit only queued; no send happened inline
    processed, _ = await klines(10_000, results, "refused")
    assert processed == 10_000
    await wait_until(lambda: len(results) == 1000, "a thousand failures")
    assert [r[1] for r in results] == [f"r{i}" for i in range(1000)]
    reason = f"cannot connect to {url}: Connection refused"
    assert results[0][2] == reason
    # After one refusal the service is left alone for a second: the rest fail at once, each with the reason.
    assert {r[2] for r in results[1:]} == {f"not tried, refused is down ({reason}); next try in 1 s"}
    assert f"alert r999 via refused failed: not tried, refused is down ({reason})" in caplog.text
    # one warning for the refusal; the alerts that then were not tried are logged at debug level only
    warned = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert [m for m in warned if "failed" in m] == [f"alert r0 via refused failed: {reason}"]
    assert TOKEN not in caplog.text
    await d.aclose()


async def test_black_hole_channel_keeps_klines_flowing_while_its_send_hangs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="tuichart.alerts")
    hole = await BlackHole().start()
    bot = await BotApi().start()
    results, on_result = recorder()
    d = Dispatcher([telegram_at(hole.url, "hole"), telegram_at(bot.url, "bot")], on_result=on_result)
    d.start()
    for i in range(1000):
        d.submit(sample_alert(f"h{i}"))
    assert results == []
    processed, hole_outcomes = await klines(10_000, results, "hole")
    assert (processed, hole_outcomes) == (10_000, 0)  # every kline went through while the send was still pending
    assert hole.connections == 1
    await wait_until(lambda: any(r[0] == "hole" for r in results), "the black hole's timeout")
    first = next(r for r in results if r[0] == "hole")
    assert first == ("hole", "h900", "no reply from " + hole.url + " within 1 s")  # h0..h899 dropped as oldest
    await wait_until(lambda: len(bot.received) == 100, "the healthy channel's hundred queued alerts")
    await wait_until(lambda: sum(r[0] == "hole" for r in results) == 100, "an outcome for each queued alert")
    hole_reasons = [r[2] for r in results if r[0] == "hole"]
    assert set(hole_reasons[1:]) == {f"not tried, hole is down ({first[2]}); next try in 1 s"}
    assert "channel hole is behind; dropping its oldest queued alerts" in caplog.text
    assert "channel hole: dropped 900 alert(s) while behind" in caplog.text
    await d.aclose(timeout=0.2)
    assert [r[2] for r in results if r[0] == "bot"] == [None] * 100
    await hole.stop()
    await bot.stop()


class Flaky:
    """A channel whose service is down for its first `downs` sends, asking for `retry_after` seconds."""

    name = "flaky"

    def __init__(self, downs: int, retry_after: float = 0.0) -> None:
        self.downs, self.retry_after, self.tries, self.sent = downs, retry_after, 0, 0

    async def send(self, alert: FiredAlert) -> None:
        self.tries += 1
        if self.tries <= self.downs:
            raise ChannelError("service unavailable", down=True, retry_after=self.retry_after)
        self.sent += 1

    async def aclose(self) -> None:
        pass


async def test_a_down_service_is_left_alone_then_tried_again() -> None:
    results, on_result = recorder()
    flaky = Flaky(downs=1)
    d = Dispatcher([flaky], on_result=on_result, down_hold=(60, 60))
    d.start()
    d.submit(sample_alert("a"))
    d.submit(sample_alert("b"))
    await wait_until(lambda: len(results) == 2, "two outcomes")
    assert results == [
        ("flaky", "a", "service unavailable"),
        ("flaky", "b", "not tried, flaky is down (service unavailable); next try in 60 s"),
    ]
    assert flaky.tries == 1
    await d.aclose()

    results.clear()
    flaky = Flaky(downs=2)
    d = Dispatcher([flaky], on_result=on_result, down_hold=(0.05, 0.05))
    d.start()
    for name in ("a", "b"):
        d.submit(sample_alert(name))
        await wait_until(lambda: len(results) == 1, "an outcome")
        await asyncio.sleep(0.1)  # longer than the hold, so the next alert is tried
        results.clear()
    d.submit(sample_alert("c"))
    await wait_until(lambda: len(results) == 1, "the third outcome")
    assert results == [("flaky", "c", None)] and (flaky.tries, flaky.sent) == (3, 1)
    await d.aclose()


async def test_a_service_asking_for_a_longer_wait_is_left_alone_that_long() -> None:
    results, on_result = recorder()
    d = Dispatcher([Flaky(downs=1, retry_after=300)], on_result=on_result, down_hold=(1, 60))
    d.start()
    d.submit(sample_alert("a"))
    d.submit(sample_alert("b"))
    await wait_until(lambda: len(results) == 2, "two outcomes")
    assert results[1] == ("flaky", "b", "not tried, flaky is down (service unavailable); next try in 300 s")
    await d.aclose()
