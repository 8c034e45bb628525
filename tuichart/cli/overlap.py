"""Start-up work that waits on the network or on disk, run while the UI's modules are imported."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def while_importing_the_ui(work: Callable[[], T]) -> T:
    """`work()`'s result (or its exception), run on a thread while this one imports the Textual UI: the exchange's
    answer and DuckDB's open mostly wait or run outside the GIL, so they cost the start little on top of the import."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # handed to the caller's thread as it is
            box["error"] = exc

    thread = threading.Thread(target=run, name="start", daemon=True)
    thread.start()
    import tuichart.tui  # noqa: F401  (the import is the point: it runs while `work` waits)

    thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]
