"""Where the commands write: results to stdout; progress, warnings and errors to stderr (or, for a command a
recorder runs for another session, to that session's buffers)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from tuichart.cli.progress import stderr


@dataclass(slots=True)
class Captured:
    """What a command wrote, kept to be sent back."""

    out: io.StringIO = field(default_factory=io.StringIO)
    err: io.StringIO = field(default_factory=io.StringIO)


_captured: ContextVar[Captured | None] = ContextVar("captured", default=None)


def capturing() -> bool:
    """True while a command runs for another session (its output goes back to it; no progress bars drawn here)."""
    return _captured.get() is not None


@contextmanager
def captured() -> Iterator[Captured]:
    """Keep what `result`, `write` and `say` write in this context."""
    sink = Captured()
    reset = _captured.set(sink)
    try:
        yield sink
    finally:
        _captured.reset(reset)


def result(text: str) -> None:
    """A line of what the command produced (what was written, found or listed): stdout."""
    write(text + "\n")


def write(text: str) -> None:
    """Text the command produced, as is (an export to stdout): stdout."""
    sink = _captured.get()
    if sink is not None:
        sink.out.write(text)
        return
    print(text, end="", flush=True)


def say(text: str) -> None:
    """A line about the run (progress, a warning, a problem): stderr."""
    sink = _captured.get()
    if sink is not None:
        sink.err.write(text + "\n")
        return
    stderr().print(text, markup=False, soft_wrap=True, highlight=False)
