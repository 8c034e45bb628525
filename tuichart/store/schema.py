"""The store's tables and view; their names and columns are a contract with users' scripts."""

from __future__ import annotations

SCHEMA_VERSION = 3  # 2: alerts_fired; 3: prices and volumes DECIMAL(38,8)

INDICATOR_COLUMNS: tuple[str, ...] = (
    "ema_12",
    "ema_26",
    "rsi",
    "macd",
    "macd_signal",
    "macd_histogram",
    "bb_upper",
    "bb_middle",
    "bb_lower",
    "stoch_k",
    "stoch_d",
)

KLINE_VALUE_COLUMNS: tuple[str, ...] = (
    "open",
    "high",
    "low",
    "close",
    "volume",
    "close_time",
    "quote_volume",
    "trades",
    "taker_buy_volume",
    "taker_buy_quote_volume",
)

_INDICATOR_DDL = ",\n    ".join(f"{c} DOUBLE" for c in INDICATOR_COLUMNS)
_INDICATOR_SELECT = ", ".join(f"i.{c}" for c in INDICATOR_COLUMNS)

STATEMENTS: tuple[str, ...] = (
    """CREATE TABLE IF NOT EXISTS tuichart_meta (key VARCHAR PRIMARY KEY, value VARCHAR)""",
    """CREATE TABLE IF NOT EXISTS klines (
    symbol VARCHAR NOT NULL,
    "interval" VARCHAR NOT NULL,
    open_time TIMESTAMP NOT NULL,
    open DECIMAL(38,8), high DECIMAL(38,8), low DECIMAL(38,8), close DECIMAL(38,8), volume DECIMAL(38,8),
    close_time TIMESTAMP,
    quote_volume DECIMAL(38,8),
    trades BIGINT,
    taker_buy_volume DECIMAL(38,8),
    taker_buy_quote_volume DECIMAL(38,8),
    PRIMARY KEY (symbol, "interval", open_time))""",
    f"""CREATE TABLE IF NOT EXISTS indicators (
    symbol VARCHAR NOT NULL,
    "interval" VARCHAR NOT NULL,
    open_time TIMESTAMP NOT NULL,
    {_INDICATOR_DDL},
    PRIMARY KEY (symbol, "interval", open_time))""",
    """CREATE TABLE IF NOT EXISTS exchange_gaps (
    symbol VARCHAR NOT NULL,
    "interval" VARCHAR NOT NULL,
    first_open TIMESTAMP NOT NULL,
    last_open TIMESTAMP NOT NULL,
    checked_at TIMESTAMP NOT NULL,
    PRIMARY KEY (symbol, "interval", first_open))""",
    """CREATE TABLE IF NOT EXISTS alerts_fired (
    fired_at TIMESTAMP NOT NULL,
    rule_id VARCHAR NOT NULL,
    symbol VARCHAR NOT NULL,
    "interval" VARCHAR NOT NULL,
    open_time TIMESTAMP NOT NULL,
    closed BOOLEAN NOT NULL,
    condition VARCHAR NOT NULL,
    price DOUBLE,
    value DOUBLE,
    source VARCHAR NOT NULL)""",
    # For analysis: doubles beside the indicators (the exact digits stay in klines).
    f"""CREATE OR REPLACE VIEW ohlc_data AS
SELECT k.open_time AS "timestamp", k.symbol, k."interval", CAST(k.open AS DOUBLE) AS open,
       CAST(k.high AS DOUBLE) AS high, CAST(k.low AS DOUBLE) AS low, CAST(k.close AS DOUBLE) AS close,
       CAST(k.volume AS DOUBLE) AS volume,
       {_INDICATOR_SELECT}
FROM klines k LEFT JOIN indicators i
  ON i.symbol = k.symbol AND i."interval" = k."interval" AND i.open_time = k.open_time""",
)

DECIMAL_TYPE = "DECIMAL(38,8)"
"""Binance writes prices and volumes with 8 decimal places and up to 20+ significant digits: kept exactly."""

DECIMAL_COLUMNS: tuple[str, ...] = tuple(c for c in KLINE_VALUE_COLUMNS if c not in ("close_time", "trades"))

# A version-2 store kept them as DOUBLE; widening keeps every value (a double's 8-place rounding).
UPGRADES: dict[int, tuple[str, ...]] = {
    3: tuple(f"ALTER TABLE klines ALTER {c} TYPE {DECIMAL_TYPE}" for c in DECIMAL_COLUMNS),
}

EXPECTED_KLINE_COLUMNS: tuple[str, ...] = ("symbol", "interval", "open_time", *KLINE_VALUE_COLUMNS)
