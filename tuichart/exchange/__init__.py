"""The embedded exchange: Binance's market-data protocol on loopback, for the demo, tests and offline use."""

from tuichart.exchange.candles import Market
from tuichart.exchange.faults import FaultPlan, parse_faults
from tuichart.exchange.server import EmbeddedExchange, run_exchange
from tuichart.exchange.sources import demo_market, replay_market, synthetic_market

__all__ = [
    "EmbeddedExchange",
    "FaultPlan",
    "Market",
    "demo_market",
    "parse_faults",
    "replay_market",
    "run_exchange",
    "synthetic_market",
]
