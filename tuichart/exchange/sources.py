"""Markets for the embedded exchange: replayed kline files, a seeded synthetic market, the demo's full market."""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from pathlib import Path

from tuichart.binance.vision import key_from_name, read_kline_file
from tuichart.domain import Candle
from tuichart.errors import BadInput
from tuichart.exchange.candles import Bars, Market
from tuichart.exchange.listing import CATALOG, Listed, made_up, wide_listing
from tuichart.exchange.seconds import seconds_of
from tuichart.exchange.synthetic import DAY_MS, SyntheticSource
from tuichart.exchange.wide import WideMarket

REPLAY_HISTORY = 500


def replay_market(paths: Sequence[Path], *, speed: float = 1.0, start_ms: int | None = None) -> Market:
    """A market replaying data.binance.vision kline files (symbol and interval from each file's name).

    The clock starts at `start_ms`, by default at the open of the 501st candle, so REST serves 500 closed
    candles of history before the first live one; it runs at `speed` times real time.
    """
    if not paths:
        raise BadInput("give at least one kline file to replay")
    by_symbol: dict[str, list[Candle]] = {}
    steps: dict[str, int] = {}
    for p in paths:
        key = key_from_name(p)
        if key.interval.is_calendar:
            raise BadInput(f"{p.name}: month candles cannot be replayed; use 1m..1w files")
        step = key.interval.nominal_ms
        if steps.setdefault(key.symbol, step) != step:
            raise BadInput(f"{p.name}: {key.symbol} is already replayed at another interval")
        by_symbol.setdefault(key.symbol, []).extend(read_kline_file(p))
    bars = {s: Bars.from_candles(c, steps[s]) for s, c in by_symbol.items()}
    if start_ms is None:
        first = min(int(b.open_time[min(REPLAY_HISTORY, len(b) - 1)]) for b in bars.values())
        start_ms = first
    return Market(bars, start_ms, speed)


def synthetic_market(
    symbols: Sequence[str], *, seed: int = 0, speed: float = 1.0, history_days: int = 30, now_ms: int | None = None
) -> Market:
    """A seeded synthetic market of 1m candles: `history_days` before now, generated a day ahead as time runs."""
    if not symbols:
        raise BadInput("give at least one symbol for the synthetic market")
    listing = {s: made_up(s) for s in symbols}
    return _generated(listing, symbols, seed, speed, history_days, now_ms, anchored=False)


def wide_market(n: int, *, seed: int = 0, speed: float = 1.0, now_ms: int | None = None) -> WideMarket:
    """A synthetic market of `n` symbols (`wide_listing`), generated an hour at a time when asked for: most listed
    400 days ago, one in ten between 1 and 20 days ago (short histories)."""
    if n < 1:
        raise BadInput("--synthetic-market needs at least 1 symbol")
    now = int(time.time() * 1000) if now_ms is None else now_ms
    listed = wide_listing(n, seed)
    rng = random.Random(seed)
    day = DAY_MS
    since = {s: now - (rng.randint(1, 20) if rng.random() < 0.1 else 400) * day for s in listed}
    return WideMarket(listed, {s: t - t % day for s, t in since.items()}, now, seed, speed)


def demo_market(
    symbols: Sequence[str] = (), *, seed: int = 7, history_days: int = 30, now_ms: int | None = None
) -> Market:
    """The demo's market: a few hundred symbols over several quote assets, every interval from 1s, on the wall clock.

    Its days are anchored, so a market started later serves the same candles for the same times. `symbols` are
    generated at once (and listed when not in the catalog), the others on first request.
    """
    listing = {**{s: made_up(s) for s in symbols}, **CATALOG}
    market = _generated(listing, symbols, seed, 1.0, history_days, now_ms, anchored=True)
    market.seconds_of = lambda sym, b, i: seconds_of(sym, seed, b, i)
    return market


def _generated(
    listing: dict[str, Listed],
    preload: Sequence[str],
    seed: int,
    speed: float,
    history_days: int,
    now_ms: int | None,
    *,
    anchored: bool,
) -> Market:
    now = int(time.time() * 1000) if now_ms is None else now_ms
    scales = {s: (x.price, x.volume) for s, x in listing.items()}
    source = SyntheticSource(scales, seed, now // DAY_MS - history_days, anchored=anchored)
    names = {s: (x.base, x.quote) for s, x in sorted(listing.items())}
    market = Market({}, now, speed, source, names)
    for sym in preload:
        market.pin(sym)
    return market
