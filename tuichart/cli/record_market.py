"""`tuichart record --all`: which symbols the market is, the listing read again while it runs, and what is said."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from tuichart.binance.protocol import ExchangeInfo
from tuichart.cli.output import say
from tuichart.domain import Interval
from tuichart.engine.engine import MarketEngine
from tuichart.errors import BadInput, TuichartError
from tuichart.plural import plural


@dataclass(frozen=True, slots=True)
class MarketChoice:
    """Every TRADING symbol of these quote assets, with the listing read again every `relist_every` seconds."""

    quotes: list[str]
    relist_every: float = 3600.0

    def symbols(self, info: ExchangeInfo) -> list[str]:
        """The TRADING symbols of the quote assets, sorted."""
        quotes = set(self.quotes)
        return sorted(s for s, i in info.symbols.items() if i.status == "TRADING" and i.quote_asset in quotes)

    def checked(self, info: ExchangeInfo) -> list[str]:
        """`symbols`, or a BadInput naming the quote assets that list none."""
        symbols = self.symbols(info)
        listed = {i.quote_asset for i in info.symbols.values() if i.status == "TRADING"}
        unknown = [q for q in self.quotes if q not in listed]
        if unknown or not symbols:
            some = ", ".join(sorted(listed)[:12])
            raise BadInput(f"no TRADING symbol is quoted in {', '.join(unknown or self.quotes)}; try one of {some}")
        return symbols


def market_line(choice: MarketChoice, symbols: Sequence[str], intervals: Sequence[Interval]) -> str:
    """What `--all` records, in a few words."""
    at = ", ".join(i.value for i in intervals)
    return f"{plural(len(symbols), 'symbol')} quoted in {', '.join(choice.quotes)} at {at}"


async def relist_forever(engine: MarketEngine, choice: MarketChoice) -> None:
    """Read the listing again every `relist_every` seconds: say each symbol added and each one dropped."""
    while True:
        await asyncio.sleep(choice.relist_every)
        try:
            added, removed, info = await engine.relist(choice.symbols)
        except TuichartError as exc:
            say(f"the listing was not read again ({exc}); the next try is in {choice.relist_every:g} s")
            continue
        for symbol in removed:
            listed = info.symbols.get(symbol)
            why = f"delisted or halted (status {listed.status})" if listed is not None else "no longer listed"
            say(f"{symbol}: {why}; no longer recorded")
        for symbol in added:
            say(f"{symbol}: newly listed; recording {', '.join(i.value for i in engine.intervals)}")
