"""The progress callback services report through; the CLI draws it, tests record it."""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives progress of a long job: a task's description, work done so far and the total if known."""

    def __call__(self, task: str, done: int, total: int | None) -> None: ...


def no_progress(task: str, done: int, total: int | None) -> None:
    """A Progress that shows nothing."""
