"""Start-up: the script imports with the cyclic collector paused, and the app resumes it once mounted."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from tests.tui.helpers import build_app, exchange, running
from tests.tui.screen import chart_shown
from tuichart.startup import pause_collector, resume_collector

SCRIPT = """
import gc, sys
from tuichart.__main__ import main
collections = []
def started(phase, info):  # counted until resumed (it freezes what start-up made first)
    if phase == "start" and gc.get_freeze_count() == 0:
        collections.append(info["generation"])
gc.callbacks.append(started)
sys.argv = ["tuichart", "--help"]
try:
    main()
except SystemExit:
    pass
import httpx  # as every command that talks to an exchange does, after the command line
cli = sys.modules.get("httpx._main") is not None
print(httpx.__version__ != "", len(collections), gc.isenabled(), gc.get_freeze_count(), cli, "click" in sys.modules)
"""


def test_the_script_starts_without_collecting_and_collects_again_after() -> None:
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=60, check=True)
    loaded, collections, enabled, frozen, httpx_cli, click = out.stdout.split()[-6:]
    assert collections == "0"  # with the collector running, importing the command line triggers about 170
    assert enabled == "True"
    assert int(frozen) > 50_000  # what start-up made (the command line: ~80,000 objects), out of later collections
    assert (loaded, httpx_cli, click) == ("True", "False", "False")  # httpx without its command-line tool


def test_resume_is_a_no_op_when_the_collector_was_not_paused() -> None:
    frozen = gc.get_freeze_count()
    resume_collector()
    assert gc.isenabled() and gc.get_freeze_count() == frozen


async def test_the_app_resumes_the_paused_collector_once_mounted(tmp_path: Path) -> None:
    with exchange() as ex:
        pause_collector()
        try:
            async with running(*build_app(tmp_path, ex.url)) as run:
                await run.until(chart_shown(run.app))
                await run.until(gc.isenabled, "the collector running again")  # a redraw pauses it for a frame
        finally:
            gc.enable()


def test_the_app_paints_at_up_to_120_frames_a_second_unless_told_otherwise() -> None:
    check = "import tuichart.tui, textual.screen; print(round(1 / textual.screen.UPDATE_PERIOD))"
    env = {k: v for k, v in os.environ.items() if k != "TEXTUAL_FPS"}
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, env=env, check=True)
    assert out.stdout.strip() == "120"  # a key's effect waits at most ~8 ms for the next paint, not ~17
    told = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, env={**env, "TEXTUAL_FPS": "30"}, check=True
    )
    assert told.stdout.strip() == "30"
