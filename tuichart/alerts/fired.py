"""A fired alert, the one record every part of the alert path shares: engine, store, channels, app."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

from tuichart.domain import ms_to_datetime


@dataclass(frozen=True, slots=True)
class FiredAlert:
    """One firing of a rule on one series: which rule, which candle, what was seen."""

    rule_id: str
    """The rule's id in the config file."""
    symbol: str
    interval: str
    """Interval code, e.g. `1m`."""
    condition: str
    """The rule's condition as the user wrote it, e.g. `rsi above 70`."""
    open_time: int
    """Open time (ms UTC) of the candle that crossed."""
    closed: bool
    """True when it fired on a closed candle, False on a forming one."""
    price: float
    """The candle's close when it fired."""
    value: float
    """The value tested: the price, the indicator or the change in percent."""
    fired_at: int
    """Wall-clock time (ms UTC) it fired."""
    source: str = "app"
    """What evaluated it: `app` or `record`."""

    @property
    def message(self) -> str:
        """One line for people: `BTCUSDT 1m: rsi above 70 (rsi 71.2, price 64012.5)`."""
        when = ms_to_datetime(self.open_time).strftime("%Y-%m-%d %H:%M")
        state = "closed" if self.closed else "forming"
        return (
            f"{self.symbol} {self.interval}: {self.condition} "
            f"(value {self.value:.10g}, price {self.price:.10g}, {state} candle {when} UTC)"
        )

    def to_json(self) -> dict[str, Any]:
        """The alert as a JSON object (what a command hook reads on stdin), with its message."""
        return {**asdict(self), "message": self.message}


class Deliverer(Protocol):
    """Takes fired alerts for delivery; `submit` never blocks or raises."""

    def submit(self, alert: FiredAlert) -> None:
        """Queue one alert for every configured channel."""
