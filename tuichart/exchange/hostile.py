"""Klines no exchange should send, which the embedded one sends on request so clients prove they refuse them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import msgspec

from tuichart.binance.encoding import kline_payload
from tuichart.domain import Candle, SeriesKey, revalued
from tuichart.exchange.served import ServedMarket

FAR_FUTURE_MS = int(datetime(2100, 1, 1, tzinfo=UTC).timestamp() * 1000)


def _last_closed(key: SeriesKey, market: ServedMarket, now: int) -> Candle:
    iv = key.interval
    open_time = iv.open_time(iv.open_time(now) - 1)
    candle = market.candle_at(key, open_time, iv.close_time(open_time))
    if candle is None:  # nothing closed yet: a made-up candle serves as well
        return Candle(open_time, 1.0, 1.0, 1.0, 1.0, 0.0, iv.close_time(open_time), 0.0, 0, 0.0, 0.0)
    return candle


def hostile_kline(kind: str, key: SeriesKey, market: ServedMarket) -> tuple[str, dict[str, Any]]:
    """(stream name, payload) of a closed kline of `kind`: future, nonfinite, negative or unsubscribed."""
    now = market.clock_ms()
    last = _last_closed(key, market, now)
    if kind == "future":
        t = key.interval.open_time(FAR_FUTURE_MS)
        bad = msgspec.structs.replace(last, open_time=t, close_time=key.interval.close_time(t))
    elif kind == "nonfinite":  # the stored candle again, as if revised with values that are not numbers
        bad = revalued(last, open=float("nan"), high=float("inf"))
    elif kind == "negative":
        bad = revalued(last, open=-1.0, low=-2.0, close=-1.5)
    elif kind == "unsubscribed":
        other = SeriesKey("ZZZUSDT", key.interval)
        return other.stream, kline_payload(other, last, True, now)
    else:
        raise ValueError(f"not a hostile kline kind: {kind}")
    return key.stream, kline_payload(key, bad, True, now)
