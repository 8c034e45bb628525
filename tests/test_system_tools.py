"""`make test` checks the system tools the tests drive and names the packages that are missing."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "system-tools"
ROOT_SUFFIX = (", setpriv", " util-linux") if os.geteuid() == 0 else ("", "")


def run_with(tmp_path: Path, tools: list[str]) -> subprocess.CompletedProcess[str]:
    """The script with only `tools` (empty stand-ins) on PATH, so neither a tool nor apt-get is found."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in tools:
        (bin_dir / tool).write_text("#!/bin/sh\n")
        (bin_dir / tool).chmod(0o755)
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    return subprocess.run(["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=30)


def test_present_tools_pass_silently(tmp_path: Path) -> None:
    r = run_with(tmp_path, ["tmux", "setpriv", "chromium-browser", "openssl"])
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


@pytest.mark.parametrize(
    ("present", "needs", "packages"),
    [
        (["tmux", "setpriv", "openssl"], "chromium", "chromium"),
        (["setpriv", "chromium"], "tmux, openssl", "tmux openssl"),
        ([], "tmux{}, chromium, openssl", "tmux{} chromium openssl"),
    ],
)
def test_missing_tools_are_named_on_one_line(tmp_path: Path, present: list[str], needs: str, packages: str) -> None:
    r = run_with(tmp_path, present)
    needs, packages = needs.format(ROOT_SUFFIX[0]), packages.format(ROOT_SUFFIX[1])
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr == f"make test needs {needs}: sudo apt-get install {packages}\n"


def test_make_test_checks_first_and_ci_uses_the_same_script() -> None:
    root = SCRIPT.parents[1]
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}  # under make test
    plan = subprocess.run(["make", "-n", "test"], cwd=root, env=env, capture_output=True, text=True, timeout=30).stdout
    lines = plan.splitlines()
    assert lines[0] == "bash .ci/system-tools" and lines[-1].endswith("-m pytest -q")
    ci = (root / ".ci" / "run").read_text()
    assert "bash .ci/system-tools" in ci and "apt-get" not in ci and "command -v" not in ci
