"""What the watchlist shows for one symbol."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(slots=True)
class Quote:
    """What the watchlist shows for one symbol."""

    last: float = math.nan
    change_pct: float = math.nan
    rsi: float = math.nan
