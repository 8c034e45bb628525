"""Fired alerts fanned out to every channel, each with its own queue and task, so none waits on another."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tuichart.alerts.channel import Channel, ChannelError
from tuichart.alerts.fired import FiredAlert
from tuichart.binance.backoff import Backoff

log = logging.getLogger("tuichart.alerts")

OnResult = Callable[[str, FiredAlert, "str | None"], None]
"""Called on the loop after each send with (channel name, alert, failure reason or None)."""


@dataclass(eq=False, slots=True)
class _Lane:
    """One channel's queue and the task draining it."""

    channel: Channel
    queue: deque[FiredAlert]
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None
    in_flight: FiredAlert | None = None
    dropped: int = 0
    down_until: float = 0.0
    """Loop time before which the channel counts as down and alerts are failed without a try."""
    down_reason: str = ""
    hold: Backoff = field(default_factory=Backoff)
    """How long a down service is left alone: doubling while it stays down, from the first hold again once up."""


def _no_jitter() -> float:
    return 1.0  # a hold is a wait before the next try, not a reconnect storm to spread: exact doubling


class Dispatcher:
    """Delivers each submitted alert on every channel; implements `tuichart.alerts.Deliverer`."""

    def __init__(
        self,
        channels: Sequence[Channel],
        *,
        on_result: OnResult | None = None,
        queue_size: int = 100,
        down_hold: tuple[float, float] = (1.0, 60.0),
    ) -> None:
        """`down_hold`: (first, longest) seconds a down service is left alone; the hold doubles while it stays down."""
        first, longest = down_hold
        self._lanes = [
            _Lane(ch, deque(maxlen=max(1, queue_size)), hold=Backoff(initial=first, cap=longest, rand=_no_jitter))
            for ch in channels
        ]
        self._on_result = on_result
        self._loop: asyncio.AbstractEventLoop | None = None
        self._closing = False

    @property
    def channel_names(self) -> list[str]:
        """Names of the channels alerts go to, in order."""
        return [lane.channel.name for lane in self._lanes]

    def start(self) -> None:
        """Start one sending task per channel; call inside the running loop that will own them."""
        self._loop = asyncio.get_running_loop()
        for lane in self._lanes:
            if lane.task is None:
                lane.task = self._loop.create_task(self._drain(lane), name=f"alerts-{lane.channel.name}")

    def submit(self, alert: FiredAlert) -> None:
        """Queue the alert on every channel at once; a full queue drops its oldest alert. Never blocks or raises."""
        try:
            if self._closing:
                log.warning("alert %s not delivered: delivery is shutting down", alert.rule_id)
                return
            for lane in self._lanes:
                if len(lane.queue) == lane.queue.maxlen:
                    if lane.dropped == 0:
                        log.warning("channel %s is behind; dropping its oldest queued alerts", lane.channel.name)
                    lane.dropped += 1
                lane.queue.append(alert)
                lane.wake.set()
        except Exception:  # the stream calling us must survive any bug here
            log.exception("queueing alert %s failed", alert.rule_id)

    async def aclose(self, timeout: float = 2.0) -> None:
        """Let queued sends finish for up to `timeout` seconds, cancel the rest, then close the channels."""
        self._closing = True
        tasks = [lane.task for lane in self._lanes if lane.task is not None]
        for lane in self._lanes:
            lane.wake.set()
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        for lane in self._lanes:
            unsent = len(lane.queue) + (lane.in_flight is not None)
            if unsent:
                log.warning("channel %s: %d alert(s) not delivered before shutdown", lane.channel.name, unsent)
            lane.queue.clear()
            try:
                await asyncio.wait_for(lane.channel.aclose(), timeout)
            except Exception as exc:
                log.warning("channel %s did not close cleanly: %s", lane.channel.name, exc)

    async def _drain(self, lane: _Lane) -> None:
        """Send the lane's alerts one at a time until closing and empty."""
        loop = asyncio.get_running_loop()
        while True:
            while lane.queue:
                alert = lane.queue.popleft()
                lane.in_flight = alert
                now = loop.time()
                skipped = now < lane.down_until
                error = await self._send(lane, alert, now)
                lane.in_flight = None
                self._report(lane.channel.name, alert, error, quiet=skipped)
            if lane.dropped:
                log.warning("channel %s: dropped %d alert(s) while behind", lane.channel.name, lane.dropped)
                lane.dropped = 0
            if self._closing:
                return
            lane.wake.clear()
            await lane.wake.wait()

    async def _send(self, lane: _Lane, alert: FiredAlert, now: float) -> str | None:
        """One delivery: None when sent, else the reason; a down service is not tried again for a while."""
        if now < lane.down_until:
            # Retrying a refused or silent service on every alert would only burn the loop's time.
            wait = lane.down_until - now
            return f"not tried, {lane.channel.name} is down ({lane.down_reason}); next try in {wait:.0f} s"
        try:
            await lane.channel.send(alert)
        except ChannelError as exc:
            if exc.down:
                hold = lane.hold.next_delay()
                lane.down_until = asyncio.get_running_loop().time() + max(hold, exc.retry_after)
                lane.down_reason = str(exc)
            return str(exc)
        except Exception as exc:  # a bug in one channel must not stop its later deliveries
            return f"{type(exc).__name__}: {exc}"
        lane.hold.reset()
        return None

    def _report(self, name: str, alert: FiredAlert, error: str | None, *, quiet: bool = False) -> None:
        """Log the outcome (an alert not tried on a down channel only at debug level) and pass it to `on_result`."""
        if error is None:
            log.info("alert %s sent via %s", alert.rule_id, name)
        elif quiet:  # the failure that found the channel down was logged; the alerts behind it only add noise
            log.debug("alert %s via %s failed: %s", alert.rule_id, name, error)
        else:
            log.warning("alert %s via %s failed: %s", alert.rule_id, name, error)
        if self._on_result is not None:
            try:
                self._on_result(name, alert, error)
            except Exception:
                log.exception("on_result for alert %s via %s failed", alert.rule_id, name)

