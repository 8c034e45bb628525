"""Start-up: the cyclic garbage collector stays paused until the app or the command is up."""

from __future__ import annotations

import gc


def pause_collector() -> None:
    """Pause the cyclic collector: starting makes about a million objects (modules, classes, widgets) that live as
    long as the process, and the collections they trigger on the way (~80 ms of a start) free nothing."""
    gc.disable()


def resume_collector() -> None:
    """Start collecting again, once started: what start-up made is frozen first, so no collection walks it (the
    first one would take ~30 ms). Nothing to do when the collector was not paused (the library, the tests)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()

