"""Alerts: rules on prices and indicators, their evaluation on candles, and the channels that deliver them."""

from tuichart.alerts.fired import Deliverer, FiredAlert

__all__ = ["Deliverer", "FiredAlert"]
