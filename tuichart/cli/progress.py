"""Rich progress bars on stderr for the headless commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeRemainingColumn

from tuichart.jobs.progress import Progress as ProgressFn

stderr = Console(stderr=True, highlight=False)


@contextmanager
def progress_bar() -> Iterator[ProgressFn]:
    """A Progress callback drawing one bar per task name (hidden when stderr is not a terminal, or when the command
    runs in a recorder for another session)."""
    from tuichart.cli.output import capturing

    bars = Progress(
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=stderr,
        transient=False,
        disable=not stderr.is_terminal or capturing(),
    )
    tasks: dict[str, TaskID] = {}

    def report(task: str, done: int, total: int | None) -> None:
        if task not in tasks:
            tasks[task] = bars.add_task(task, total=total)
        bars.update(tasks[task], completed=done, total=total)

    with bars:
        yield report
