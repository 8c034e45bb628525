"""A terminal TradingView for Binance."""

__version__ = "0.1.0"
