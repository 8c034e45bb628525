"""The Textual app; `make_app` builds it for the command line and the tests alike."""

from __future__ import annotations

import os

# Textual paints what changed at most MAX_FPS times a second (default 60), so a key's effect waits up to a whole
# period for the next paint; at 120 that wait halves. The charts' own redraws stay throttled by --fps.
os.environ.setdefault("TEXTUAL_FPS", "120")

from tuichart.binance.presets import Endpoints
from tuichart.store import Store
from tuichart.tui.app import TuichartApp
from tuichart.tui.options import AppOptions


def make_app(options: AppOptions, store: Store, *, endpoints: Endpoints | None = None) -> TuichartApp:
    """The app on this store; `endpoints` (else options.exchange, or the demo) says which exchange to use."""
    return TuichartApp(options, store, endpoints=endpoints)


__all__ = ["AppOptions", "TuichartApp", "make_app"]
