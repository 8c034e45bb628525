"""What the embedded exchange's REST and websocket handlers read of a market, whichever market it is."""

from __future__ import annotations

from typing import Protocol

from tuichart.domain import Candle, Interval, SeriesKey, TickerEvent


class ServedMarket(Protocol):
    """What the exchange's REST and websocket handlers read: a `Market` or a `WideMarket`."""

    halted: dict[str, tuple[str, str]]

    @property
    def listing(self) -> dict[str, tuple[str, str]]: ...

    def clock_ms(self) -> int: ...

    def symbols(self) -> list[str]: ...

    def lists(self, symbol: str) -> bool: ...

    def supports(self, interval: Interval) -> bool: ...

    def candle_at(self, key: SeriesKey, open_time: int, now: int) -> Candle | None: ...

    def candles(self, key: SeriesKey, start: int, end: int, now: int, limit: int, newest: bool) -> list[Candle]: ...

    def ticker(self, symbol: str, now: int) -> TickerEvent | None: ...
