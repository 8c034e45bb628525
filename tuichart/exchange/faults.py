"""Faults the embedded exchange injects so clients can prove nothing is lost.

Spec (comma-separated):

- `KIND@T` fires KIND at T wall seconds after start; `silence@T:S` keeps sockets silent for S seconds.
- `random:every=N[,seed=S][,kinds=drop+shutdown+...][,silence=S]` fires a random kind every ~N seconds
  (uniform 0.5N..1.5N).
- `retry_after=S` sets the Retry-After seconds sent with injected 429s (default 1).

Kinds: `drop` and `close1006` (the TCP connection is aborted with no close frame: clients see 1006), `dropone`
(the same to one connection only, chosen by the seed),
`close1008` (close frame 1008 "Too many requests"), `close1011` (close frame 1011 "Internal error"),
`shutdown` (a `serverShutdown` event, then a close), `silence` (no events are sent; pings go on, as on a stuck
stream), `http5xx` (the next REST request gets 503 / -1001), `http429` (the next REST request gets 429 / -1003
with Retry-After), `http418` (the same as an IP ban, 418 with Retry-After), `notjson` (the next REST request
gets status 200 with an HTML page), `burst5xx` (the next 8 REST requests get 503; `burst5xx@T:S` every REST
request for S seconds).

Hostile frames on every connection: `garbage` (a malformed text frame and a binary frame that is not UTF-8),
`future` (a closed kline dated 2100-01-01), `nonfinite` (the last closed candle again with NaN and infinite
prices), `negative` (the last closed candle again with negative prices) and `unsubscribed` (a closed kline of a
symbol nobody subscribed to).

Market events of a `--synthetic-market`: `delist` (a symbol stops trading: status BREAK, its streams fall silent)
and `list` (a new symbol starts trading).
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from tuichart.errors import BadInput

CONNECTION_KINDS = ("drop", "close1006", "close1008", "shutdown", "silence", "http5xx", "http429")
HOSTILE_KINDS = (
    "dropone", "close1011", "http418", "notjson", "burst5xx", "garbage", "future", "nonfinite", "negative",
    "unsubscribed",
)  # fmt: skip
MARKET_KINDS = ("delist", "list")
KINDS = CONNECTION_KINDS + HOSTILE_KINDS + MARKET_KINDS
REST_KINDS = frozenset({"http5xx", "http429", "http418", "notjson", "burst5xx"})
SOCKET_KINDS = frozenset(KINDS) - REST_KINDS - frozenset(MARKET_KINDS)
BURST = 8  # REST requests failed by one `burst5xx`


@dataclass(frozen=True, slots=True)
class TimedFault:
    """One fault at a wall-clock offset."""

    at: float
    kind: str
    seconds: float = 0.0


@dataclass(slots=True)
class FaultPlan:
    """Timed faults, an optional random schedule, and the Retry-After sent with injected 429s."""

    timed: list[TimedFault] = field(default_factory=list)
    every: float | None = None
    kinds: tuple[str, ...] = CONNECTION_KINDS
    seed: int = 0
    silence_seconds: float = 1.0
    retry_after: int = 1

    def schedule(self, horizon: float = math.inf) -> Iterator[TimedFault]:
        """Every fault up to `horizon` seconds, in time order; random ones are drawn from the seed as they come,
        so a schedule without end costs nothing up front."""
        timed = sorted((f for f in self.timed if f.at <= horizon), key=lambda f: f.at)
        return heapq.merge(timed, self._random(horizon), key=lambda f: f.at)

    def _random(self, horizon: float) -> Iterator[TimedFault]:
        if not self.every:
            return
        rng = random.Random(self.seed)
        t = 0.0
        while True:
            t += self.every * rng.uniform(0.5, 1.5)
            if t > horizon:
                return
            kind = rng.choice(self.kinds)
            yield TimedFault(t, kind, self.silence_seconds if kind == "silence" else 0.0)


def _kind(text: str) -> str:
    if text not in KINDS:
        raise BadInput(f"unknown fault {text!r}; kinds are {', '.join(KINDS)}")
    return text


def _number(text: str, what: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise BadInput(f"bad {what} {text!r} in --faults; expected a number of seconds") from None
    if value < 0:
        raise BadInput(f"bad {what} {text!r} in --faults; it must not be negative")
    return value


def parse_faults(spec: str) -> FaultPlan:
    """A FaultPlan from the `--faults` text; junk is a one-line BadInput."""
    plan = FaultPlan()
    parts = [p.strip() for p in spec.split(",") if p.strip()]
    if not parts:
        raise BadInput("empty --faults spec; e.g. 'drop@5,http5xx@10' or 'random:every=2'")
    in_random = False
    for part in parts:
        if part.startswith("random:"):
            in_random = True
            part = part[len("random:") :]
        name, eq, value = part.partition("=")
        if eq:
            if name == "retry_after":
                plan.retry_after = int(_number(value, "retry_after"))
            elif in_random and name == "every":
                plan.every = _number(value, "every")
                if plan.every <= 0:
                    raise BadInput("random:every must be above 0 seconds")
            elif in_random and name == "seed":
                plan.seed = int(_number(value, "seed"))
            elif in_random and name == "kinds":
                plan.kinds = tuple(_kind(k) for k in value.split("+") if k)
            elif in_random and name == "silence":
                plan.silence_seconds = _number(value, "silence")
            else:
                raise BadInput(f"unknown --faults option {name!r}")
            continue
        kind, at, when = part.partition("@")
        if not at:
            raise BadInput(f"cannot read {part!r} in --faults; write KIND@SECONDS, e.g. drop@5")
        when, _, secs = when.partition(":")
        seconds = _number(secs, "duration") if secs else (1.0 if kind == "silence" else 0.0)
        plan.timed.append(TimedFault(_number(when, "time"), _kind(kind), seconds))
    if in_random and plan.every is None:
        raise BadInput("random faults need every=SECONDS, e.g. 'random:every=2'")
    return plan
