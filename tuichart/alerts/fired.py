"""A fired alert, the one record every part of the alert path shares: engine, store, channels, app."""

from __future__ import annotations

from typing import Protocol

from tuichart.domain import FiredAlert  # defined with the other events so the store can keep it

__all__ = ["Deliverer", "FiredAlert"]


class Deliverer(Protocol):
    """Takes fired alerts for delivery; `submit` never blocks or raises."""

    def submit(self, alert: FiredAlert) -> None:
        """Queue one alert for every configured channel."""
