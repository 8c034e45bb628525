"""Where the commands write: results to stdout; progress, warnings and errors to stderr."""

from __future__ import annotations

from tuichart.cli.progress import stderr


def result(text: str) -> None:
    """A line of what the command produced (what was written, found or listed): stdout."""
    print(text, flush=True)


def say(text: str) -> None:
    """A line about the run (progress, a warning, a problem): stderr."""
    stderr.print(text, markup=False, soft_wrap=True, highlight=False)
