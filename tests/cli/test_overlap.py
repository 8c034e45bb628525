import sys
import threading

import pytest

from tuichart.cli.overlap import while_importing_the_ui
from tuichart.errors import BadInput


def test_the_work_runs_on_another_thread_while_the_ui_is_imported() -> None:
    seen: list[str] = []

    def work() -> int:
        seen.append(threading.current_thread().name)
        return 42

    assert while_importing_the_ui(work) == 42
    assert seen == ["start"] and "tuichart.tui" in sys.modules


def test_an_error_of_the_work_reaches_the_caller_as_it_is() -> None:
    def work() -> None:
        raise BadInput("unknown or not trading symbol 'NOPEUSDT'")

    with pytest.raises(BadInput, match="NOPEUSDT"):
        while_importing_the_ui(work)
