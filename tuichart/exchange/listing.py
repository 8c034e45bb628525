"""The synthetic market's symbols: a few hundred pairs over several quote assets, with typical prices and volumes."""

from __future__ import annotations

import random
import zlib
from dataclasses import dataclass

# Typical price and 1m volume of well-known symbols; these series are fixed (tests and screenshots depend on them).
KNOWN_SCALES: dict[str, tuple[float, float]] = {
    "BTCUSDT": (60_000.0, 15.0),
    "ETHUSDT": (3_000.0, 200.0),
    "SOLUSDT": (150.0, 3_000.0),
    "BNBUSDT": (600.0, 300.0),
    "XRPUSDT": (0.6, 500_000.0),
    "DOGEUSDT": (0.12, 3_000_000.0),
    "SHIBUSDT": (0.000018, 3e10),
    "PEPEUSDT": (0.0000095, 5e10),
    "ADABTC": (0.0000095, 100_000.0),
}

# Base assets by rough market rank, with a typical price in US dollars.
_BASES: tuple[tuple[str, float], ...] = (
    ("BTC", 60_000.0), ("ETH", 3_000.0), ("BNB", 600.0), ("SOL", 150.0), ("XRP", 0.6), ("DOGE", 0.12),
    ("ADA", 0.45), ("TRX", 0.12), ("AVAX", 35.0), ("LINK", 14.0), ("TON", 5.5), ("SHIB", 0.000018),
    ("DOT", 7.0), ("BCH", 380.0), ("LTC", 80.0), ("NEAR", 5.0), ("UNI", 8.0), ("PEPE", 0.0000095),
    ("APT", 9.0), ("ICP", 10.0), ("SUI", 1.2), ("ETC", 25.0), ("XLM", 0.11), ("TAO", 400.0),
    ("FET", 1.3), ("HBAR", 0.07), ("RENDER", 7.0), ("ARB", 0.8), ("FIL", 5.0), ("ATOM", 8.0),
    ("OP", 1.8), ("INJ", 25.0), ("IMX", 1.5), ("STX", 1.7), ("WIF", 2.5), ("AAVE", 150.0),
    ("MKR", 2_500.0), ("VET", 0.03), ("GRT", 0.2), ("BONK", 0.000022), ("FLOKI", 0.00015), ("SEI", 0.4),
    ("TIA", 6.0), ("ALGO", 0.15), ("JUP", 0.9), ("RUNE", 4.5), ("LDO", 1.8), ("THETA", 1.5),
    ("EGLD", 35.0), ("PYTH", 0.35), ("ENA", 0.6), ("ORDI", 35.0), ("SAND", 0.4), ("MANA", 0.4),
    ("AXS", 6.0), ("XTZ", 0.8), ("EOS", 0.6), ("FLOW", 0.6), ("CHZ", 0.07), ("CRV", 0.35),
    ("QNT", 70.0), ("KAVA", 0.5), ("ZEC", 30.0), ("DASH", 28.0), ("NEO", 11.0), ("IOTA", 0.2),
    ("GALA", 0.025), ("PENDLE", 4.0), ("WLD", 2.0), ("JTO", 2.5), ("STRK", 0.5), ("ETHFI", 2.0),
    ("ZRO", 4.0), ("NOT", 0.008), ("PAXG", 2_600.0), ("WBTC", 60_000.0), ("SNX", 2.0), ("COMP", 55.0),
    ("KSM", 25.0), ("CAKE", 2.0), ("GMX", 25.0), ("DYDX", 1.6), ("ENS", 18.0), ("YFI", 6_500.0),
    ("SUSHI", 0.7), ("ROSE", 0.07), ("ONE", 0.013), ("ZIL", 0.02), ("ENJ", 0.25), ("BAT", 0.2),
    ("1INCH", 0.35), ("AR", 20.0), ("CFX", 0.15), ("BLUR", 0.25), ("MASK", 2.5), ("API3", 1.8),
    ("OM", 1.2), ("ARKM", 1.8), ("W", 0.25), ("JASMY", 0.02), ("PEOPLE", 0.07), ("CELO", 0.6),
    ("ANKR", 0.025), ("SXP", 0.3), ("WOO", 0.2), ("GAS", 4.0), ("QTUM", 3.0), ("ICX", 0.18),
    ("ONT", 0.2), ("TWT", 1.0), ("COTI", 0.1), ("CHR", 0.2), ("ALICE", 1.0), ("OGN", 0.1),
    ("C98", 0.15), ("LRC", 0.15), ("CELR", 0.015), ("AUDIO", 0.15), ("HIGH", 1.5), ("MAGIC", 0.45),
    ("ID", 0.3), ("EDU", 0.5), ("AXL", 0.7), ("ACE", 2.0), ("XAI", 0.3), ("MANTA", 1.0),
    ("ALT", 0.1), ("PIXEL", 0.15), ("PORTAL", 0.4), ("AEVO", 0.4), ("SAGA", 1.5), ("OMNI", 10.0),
    ("ZK", 0.15), ("IO", 2.0), ("LISTA", 0.4), ("BANANA", 40.0), ("POL", 0.4), ("EIGEN", 3.0),
    ("SCR", 0.8), ("COW", 0.5), ("CETUS", 0.2), ("MOVE", 0.5), ("ME", 3.0), ("VANA", 10.0),
    ("PENGU", 0.02), ("USUAL", 0.5), ("TRUMP", 12.0), ("BERA", 6.0), ("KAITO", 1.5), ("BOME", 0.008),
    ("MEME", 0.015), ("DOGS", 0.0005), ("HMSTR", 0.004), ("NEIRO", 0.0015), ("TURBO", 0.008), ("PNUT", 0.5),
    ("1000SATS", 0.0003), ("RSR", 0.007), ("SLP", 0.003), ("SPELL", 0.0006), ("DENT", 0.001), ("CKB", 0.012),
    ("IOST", 0.008), ("SC", 0.006), ("RVN", 0.02), ("ZRX", 0.4), ("SKL", 0.04), ("STORJ", 0.45),
    ("HOT", 0.0018), ("WIN", 0.00009), ("BTTC", 0.0000008), ("XEC", 0.00003), ("LUNC", 0.00009),
    ("USDC", 1.0), ("FDUSD", 1.0), ("EUR", 1.08),
)  # fmt: skip

# Quote assets: (name, price in US dollars, how many of the top bases it lists, share of the USDT volume)
_QUOTES: tuple[tuple[str, float, int, float], ...] = (
    ("USDT", 1.0, len(_BASES), 1.0),
    ("FDUSD", 1.0, 30, 0.3),
    ("USDC", 1.0, 30, 0.2),
    ("BTC", 60_000.0, 90, 0.1),
    ("ETH", 3_000.0, 30, 0.05),
    ("BNB", 600.0, 20, 0.03),
    ("TRY", 1 / 42, 40, 0.08),
    ("EUR", 1.08, 12, 0.03),
)
QUOTE_ASSETS = tuple(sorted((q for q, *_ in _QUOTES), key=len, reverse=True))
MIN_PRICE = 1e-8  # Binance's smallest price step
_USDT_NOTIONAL_1M = 1.5e6  # dollars traded a minute in the top symbol


@dataclass(frozen=True, slots=True)
class Listed:
    """One symbol of the synthetic market."""

    base: str
    quote: str
    price: float
    """Typical price, in the quote asset."""
    volume: float
    """Typical 1m volume, in the base asset."""


def _catalog() -> dict[str, Listed]:
    out: dict[str, Listed] = {}
    for quote, quote_usd, top, share in _QUOTES:
        for rank, (base, usd) in enumerate(_BASES[:top]):
            price = usd / quote_usd
            if base == quote or price < MIN_PRICE or (quote_usd == 1.0 and usd == 1.0 and quote != "USDT"):
                continue
            volume = _USDT_NOTIONAL_1M * share / (rank + 1) / usd
            out[base + quote] = Listed(base, quote, float(f"{price:.5g}"), float(f"{volume:.3g}"))
    for sym, (price, volume) in KNOWN_SCALES.items():
        base, quote = split_symbol(sym)
        out[sym] = Listed(base, quote, price, volume)
    return dict(sorted(out.items()))


def split_symbol(symbol: str) -> tuple[str, str]:
    """(base, quote) of a symbol by its quote asset's suffix (the last three letters when none is known)."""
    for quote in QUOTE_ASSETS:
        if symbol.endswith(quote) and len(symbol) > len(quote):
            return symbol[: -len(quote)], quote
    return symbol[:-3], symbol[-3:]


def made_up(symbol: str) -> Listed:
    """A symbol named by the user: its known scale, else a seeded price between 1 and 10^4."""
    base, quote = split_symbol(symbol)
    price, volume = KNOWN_SCALES.get(symbol, (10.0 ** (zlib.crc32(symbol.encode()) % 5), 1_000.0))
    return Listed(base, quote, price, volume)


CATALOG: dict[str, Listed] = _catalog()


_SYLLABLES = ("ka", "zo", "ri", "ne", "tu", "lo", "mi", "xa", "vo", "pe", "du", "si", "qu", "ra", "fe", "gi", "bo")
_MADE_UP_QUOTES = (("USDT", 0.55), ("FDUSD", 0.1), ("USDC", 0.1), ("BTC", 0.1), ("TRY", 0.08), ("ETH", 0.04),
                   ("BNB", 0.03))  # fmt: skip
_QUOTE_USD = {quote: usd for quote, usd, *_ in _QUOTES}


def wide_listing(n: int, seed: int = 0) -> dict[str, Listed]:
    """`n` symbols: the catalog's, busiest first, then made-up ones over the usual quote assets, priced from 1e-8
    to 1e5 in their quote asset."""
    known = sorted(CATALOG.items(), key=lambda item: (item[1].quote != "USDT", -item[1].price * item[1].volume))
    out = dict(known[:n])
    rng = random.Random(seed)
    while len(out) < n:
        symbol, listed = made_up_symbol(rng)
        out.setdefault(symbol, listed)
    return out


def made_up_symbol(rng: random.Random) -> tuple[str, Listed]:
    """A plausible new symbol: a made-up base over a usual quote asset, priced from 1e-8 to 1e5."""
    quotes, weights = zip(*_MADE_UP_QUOTES, strict=True)
    base = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).upper()
    if rng.random() < 0.05:
        base = "1000" + base
    quote = rng.choices(quotes, weights)[0]
    usd = 10 ** rng.uniform(-6, 4)
    price = min(1e5, max(MIN_PRICE, usd / _QUOTE_USD[quote]))
    volume = _USDT_NOTIONAL_1M * 0.01 / (1 + rng.random() * 50) / usd
    return base + quote, Listed(base, quote, float(f"{price:.5g}"), float(f"{volume:.3g}"))
