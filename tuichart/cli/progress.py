"""Rich progress bars on stderr for the headless commands."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from tuichart.jobs.progress import Progress as ProgressFn

if TYPE_CHECKING:
    from rich.console import Console


@functools.cache
def stderr() -> Console:
    """The console of progress, warnings and errors, made when first used (rich takes ~30 ms to import)."""
    from rich.console import Console

    return Console(stderr=True, highlight=False)


@contextmanager
def progress_bar() -> Iterator[ProgressFn]:
    """A Progress callback drawing one bar per task name (hidden when stderr is not a terminal, or when the command
    runs in a recorder for another session)."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

    from tuichart.cli.output import capturing  # both here: a command with no bar starts without them

    bars = Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr(),
        transient=False,
        disable=not stderr().is_terminal or capturing(),
    )
    tasks: dict[str, TaskID] = {}

    def report(task: str, done: int, total: int | None) -> None:
        if task not in tasks:
            tasks[task] = bars.add_task(task, total=total)
        bars.update(tasks[task], completed=done, total=total)

    with bars:
        yield report
