"""Binance market-data wire format, pure: websocket frames and REST bodies to domain events (`encoding` writes them).

A combined-stream kline frame looks like this (from a real 2021-08-14 capture)::

    {"stream":"ftmusdt@kline_1m","data":{"e":"kline","E":1628952421387,"s":"FTMUSDT","k":{
     "t":1628952360000,"T":1628952419999,"s":"FTMUSDT","i":"1m","f":..,"L":..,"o":"0.33901000",
     "c":"0.34013000","h":"0.34047000","l":"0.33883000","v":"..","n":82,"x":true,"q":"..","V":"..",
     "Q":"..","B":"0"}}}

Parsing never raises: a frame that does not decode is counted in `FrameParser.malformed` and dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from tuichart.decimals import text8, units8_of
from tuichart.domain import Candle, Interval, KlineEvent, SeriesKey, TickerEvent

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class ServerShutdown:
    """The server announced it will close the connection; reconnect now."""

    event_time: int


@dataclass(frozen=True, slots=True)
class ControlReply:
    """The answer to a SUBSCRIBE/UNSUBSCRIBE/LIST_SUBSCRIPTIONS request (`result` None means success)."""

    id: int | str | None
    result: Any


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """An error answer on the websocket, e.g. code 2 'Invalid request' or 4 'Too many subscriptions'."""

    id: int | str | None
    code: int
    msg: str


Event = KlineEvent | TickerEvent | ServerShutdown | ControlReply | ErrorReply


class _K(msgspec.Struct):
    t: int
    T: int
    s: str
    i: str
    o: float
    c: float
    h: float
    l: float  # noqa: E741 - Binance's field name
    v: float
    n: int
    x: bool
    q: float
    V: float
    Q: float


class _KText(msgspec.Struct):
    """A kline's prices and volumes as the text Binance wrote: read again for closed candles, which are stored."""

    o: str
    c: str
    h: str
    l: str  # noqa: E741 - Binance's field name
    v: str
    q: str
    V: str
    Q: str


class _KlineText(msgspec.Struct):
    k: _KText


class _CombinedKlineText(msgspec.Struct):
    data: _KlineText


class _Kline(msgspec.Struct, tag_field="e", tag="kline"):
    E: int
    k: _K


class _MiniTicker(msgspec.Struct, tag_field="e", tag="24hrMiniTicker"):
    E: int
    s: str
    c: float
    o: float
    h: float
    l: float  # noqa: E741 - Binance's field name
    v: float
    q: float


class _Shutdown(msgspec.Struct, tag_field="e", tag="serverShutdown"):
    E: int = 0


_Payload = _Kline | _MiniTicker | _Shutdown


class _ErrorBody(msgspec.Struct):
    code: int
    msg: str = ""


class _Envelope(msgspec.Struct):
    stream: str | None = None
    data: msgspec.Raw = msgspec.Raw()
    e: str | None = None
    id: int | str | None = None
    result: msgspec.Raw = msgspec.Raw()
    error: _ErrorBody | None = None
    code: int | None = None
    msg: str | None = None


class _CombinedKline(msgspec.Struct):
    stream: str
    data: _Kline


_HANDLED = frozenset({"kline", "24hrMiniTicker", "serverShutdown"})


@dataclass(slots=True)
class FrameParser:
    """Decodes text frames into events; counts what it drops instead of raising."""

    malformed: int = 0
    ignored: int = 0
    _fast: msgspec.json.Decoder[_CombinedKline] = field(
        default_factory=lambda: msgspec.json.Decoder(_CombinedKline, strict=False)
    )
    _envelope: msgspec.json.Decoder[_Envelope | list[_MiniTicker]] = field(
        default_factory=lambda: msgspec.json.Decoder(_Envelope | list[_MiniTicker], strict=False)
    )
    _payload: msgspec.json.Decoder[_Payload] = field(
        default_factory=lambda: msgspec.json.Decoder(_Payload, strict=False)
    )
    _fast_text: msgspec.json.Decoder[_CombinedKlineText] = field(
        default_factory=lambda: msgspec.json.Decoder(_CombinedKlineText)
    )
    _payload_text: msgspec.json.Decoder[_KlineText] = field(default_factory=lambda: msgspec.json.Decoder(_KlineText))
    _keys: dict[tuple[str, str], SeriesKey] = field(default_factory=dict)

    def parse(self, frame: str | bytes) -> list[Event]:
        """Events in one frame (usually one; `!miniTicker@arr` gives several; junk gives none); never raises."""
        try:
            return self._parse(frame)
        except Exception:  # any bytes can arrive: a frame we cannot read is counted, never raised
            return self._dropped(frame)

    def _dropped(self, frame: str | bytes) -> list[Event]:
        """Count a frame that cannot be read; the first and then every thousandth is logged."""
        self.malformed += 1
        if self.malformed % 1000 == 1:
            log.warning("dropped a malformed frame (%d so far): %r", self.malformed, frame[:200])
        return []

    def _parse(self, frame: str | bytes) -> list[Event]:
        try:
            return [self._kline(self._fast.decode(frame).data, frame, True)]
        except (msgspec.DecodeError, KeyError, ValueError):
            pass
        try:
            env = self._envelope.decode(frame)
        except msgspec.DecodeError:
            return self._dropped(frame)
        if isinstance(env, list):
            return [_ticker(t) for t in env]
        if env.data:
            return self._payload_events(env.data)
        if env.e is not None:
            return self._payload_events(frame)
        if env.error is not None:
            return [ErrorReply(env.id, env.error.code, env.error.msg)]
        if env.code is not None:
            return [ErrorReply(env.id, env.code, env.msg or "")]
        if env.id is not None or env.result:
            result = msgspec.json.decode(env.result) if env.result else None
            return [ControlReply(env.id, result)]
        return self._dropped(frame)

    def _payload_events(self, raw: str | bytes | msgspec.Raw) -> list[Event]:
        try:
            payload = self._payload.decode(raw)
        except msgspec.DecodeError:
            return self._unhandled(raw)
        try:
            if isinstance(payload, _Kline):
                return [self._kline(payload, raw, False)]
        except (KeyError, ValueError):
            return self._dropped(raw if not isinstance(raw, msgspec.Raw) else bytes(raw))
        if isinstance(payload, _MiniTicker):
            return [_ticker(payload)]
        return [ServerShutdown(payload.E)]

    def _unhandled(self, raw: str | bytes | msgspec.Raw) -> list[Event]:
        """Streams we do not use (depth, trades) are ignored; broken versions of ours are malformed."""
        try:
            probe = msgspec.json.decode(raw)
        except msgspec.DecodeError:
            probe = None
        if isinstance(probe, list) and probe and all(isinstance(p, dict) for p in probe):
            tickers: list[Event] = []
            for item in probe:
                tickers.extend(self._payload_events(msgspec.json.encode(item)))
            return tickers
        if isinstance(probe, dict) and probe.get("e") not in _HANDLED:
            self.ignored += 1
            return []
        return self._dropped(raw if not isinstance(raw, msgspec.Raw) else bytes(raw))

    def _kline(self, p: _Kline, raw: str | bytes | msgspec.Raw, combined: bool) -> KlineEvent:
        k = p.k
        key = self._keys.get((k.s, k.i))
        if key is None:
            key = SeriesKey(k.s, Interval(k.i))
            self._keys[(k.s, k.i)] = key
        exact = None
        if k.x:  # a closed candle is stored: its digits too (floats are correctly rounded from the same text)
            t = self._fast_text.decode(raw).data.k if combined else self._payload_text.decode(raw).k
            exact = (t.o, t.h, t.l, t.c, t.v, t.q, t.V, t.Q)
        candle = Candle(k.t, k.o, k.h, k.l, k.c, k.v, k.T, k.q, k.n, k.V, k.Q, exact)
        return KlineEvent(key, candle, k.x, p.E)


def _ticker(t: _MiniTicker) -> TickerEvent:
    return TickerEvent(t.s, t.c, t.o, t.h, t.l, t.v, t.q, t.E)


# ---- REST bodies -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SymbolInfo:
    """One symbol of exchangeInfo."""

    symbol: str
    status: str
    base_asset: str
    quote_asset: str


@dataclass(frozen=True, slots=True)
class RateLimit:
    """One entry of exchangeInfo's rateLimits, e.g. REQUEST_WEIGHT 6000 per 1 MINUTE."""

    kind: str
    interval: str
    interval_num: int
    limit: int


@dataclass(frozen=True, slots=True)
class ExchangeInfo:
    """The parts of exchangeInfo tuichart uses: symbols by name and the rate limits."""

    symbols: dict[str, SymbolInfo]
    rate_limits: tuple[RateLimit, ...]

    @property
    def trading(self) -> list[str]:
        """Names of the symbols whose status is TRADING, sorted."""
        return sorted(s for s, info in self.symbols.items() if info.status == "TRADING")

    @property
    def weight_limit_1m(self) -> int | None:
        """The REQUEST_WEIGHT limit per minute, when the exchange states one."""
        for r in self.rate_limits:
            if r.kind == "REQUEST_WEIGHT" and r.interval == "MINUTE" and r.interval_num == 1:
                return r.limit
        return None


@dataclass(frozen=True, slots=True)
class Ticker24h:
    """A FULL 24 h ticker from /api/v3/ticker/24hr."""

    symbol: str
    last: float
    open: float
    high: float
    low: float
    volume: float
    quote_volume: float
    change_pct: float
    close_time: int


_DECIMAL_COLUMNS = (1, 2, 3, 4, 5, 7, 9, 10)  # of the 12-column row: the DECIMAL_FIELDS


def _text(value: object) -> str:
    """A row's price or volume as decimal text: Binance's own text as it is, a JSON number in 8 places."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return text8(units8_of(value))
    raise ValueError(f"not a number: {value!r}")


def parse_kline_row(row: Sequence[Any], open_time: int | None = None, close_time: int | None = None) -> Candle:
    """Candle from one 12-element REST/CSV row (prices as decimal text, kept exact, or numbers; times in ms
    unless given)."""
    exact = tuple(_text(row[i]) for i in _DECIMAL_COLUMNS)
    o, h, low, c, v, q, tv, tq = map(float, exact)
    t_open = int(row[0]) if open_time is None else open_time
    t_close = int(row[6]) if close_time is None else close_time
    return Candle(t_open, o, h, low, c, v, t_close, q, int(row[8]), tv, tq, exact)


def parse_klines(rows: Iterable[Sequence[Any]]) -> list[Candle]:
    """Candles from a /api/v3/klines body."""
    return [parse_kline_row(r) for r in rows]


def parse_exchange_info(body: dict[str, Any]) -> ExchangeInfo:
    """ExchangeInfo from a /api/v3/exchangeInfo body."""
    symbols = {
        s["symbol"]: SymbolInfo(s["symbol"], s.get("status", ""), s.get("baseAsset", ""), s.get("quoteAsset", ""))
        for s in body.get("symbols", [])
    }
    limits = tuple(
        RateLimit(r["rateLimitType"], r["interval"], int(r["intervalNum"]), int(r["limit"]))
        for r in body.get("rateLimits", [])
    )
    return ExchangeInfo(symbols, limits)


def parse_ticker_24hr(body: dict[str, Any]) -> Ticker24h:
    """Ticker24h from one /api/v3/ticker/24hr object."""
    return Ticker24h(
        body["symbol"],
        float(body["lastPrice"]),
        float(body["openPrice"]),
        float(body["highPrice"]),
        float(body["lowPrice"]),
        float(body["volume"]),
        float(body["quoteVolume"]),
        float(body["priceChangePercent"]),
        int(body["closeTime"]),
    )


def parse_error_body(body: Any) -> tuple[int | None, str]:
    """Binance's `{"code": -1121, "msg": "Invalid symbol."}` as (code, msg); anything else as (None, text)."""
    if isinstance(body, dict) and "code" in body:
        return int(body["code"]), str(body.get("msg", ""))
    return None, str(body)[:200]
