"""TA-Lib imported without its Polars and pandas wrappers: we only pass NumPy arrays."""

from __future__ import annotations

import sys
from types import ModuleType


def load_talib() -> ModuleType:
    """The `talib` module; when it is first imported here, Polars (~35 MB, 0.2 s) is not loaded along with it."""
    if "talib" not in sys.modules:
        # TA-Lib's __init__ imports Polars and pandas, if present, to wrap every function for their Series; a
        # None in sys.modules makes those imports fail as if the packages were absent, so nothing is wrapped.
        hidden = [name for name in ("polars", "pandas") if name not in sys.modules]
        for name in hidden:
            sys.modules[name] = None  # type: ignore[assignment]
        try:
            import talib
            import talib.stream  # noqa: F401
        finally:
            for name in hidden:
                del sys.modules[name]
    return sys.modules["talib"]
