"""Running the real `tuichart` CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_cli(
    *args: str | Path, env: dict[str, str] | None = None, timeout: float = 120, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m tuichart ARGS` with its own log dir; returns the finished process."""
    full_env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    full_env.setdefault("XDG_STATE_HOME", str(Path(full_env.get("TMPDIR", "/tmp")) / "tuichart-test-logs"))
    return subprocess.run(
        [sys.executable, "-m", "tuichart", *map(str, args)],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=cwd,
    )
