"""Layering: the headless packages never import a UI toolkit (checked in a clean interpreter)."""

from __future__ import annotations

import subprocess
import sys

HEADLESS = [
    "tuichart.domain",
    "tuichart.errors",
    "tuichart.config",
    "tuichart.market.protocol",
    "tuichart.market.vision",
    "tuichart.store",
    "tuichart.services.importer",
    "tuichart.services.exporter",
]
UI = ("textual", "plotext", "rich", "textual_plotext")


def test_headless_modules_import_no_ui_toolkit() -> None:
    code = (
        "import importlib, pkgutil, sys\n"
        "import tuichart\n"
        "names = set(" + repr(HEADLESS) + ")\n"
        "for pkg in ('tuichart.market', 'tuichart.exchange', 'tuichart.store', 'tuichart.indicators',"
        " 'tuichart.services'):\n"
        "    try:\n"
        "        mod = importlib.import_module(pkg)\n"
        "    except ModuleNotFoundError:\n"
        "        continue\n"
        "    names.add(pkg)\n"
        "    names.update(m.name for m in pkgutil.walk_packages(mod.__path__, pkg + '.'))\n"
        "for name in sorted(names):\n"
        "    importlib.import_module(name)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in " + repr(UI) + ")\n"
        "print(len(names), ','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    count, bad = out.stdout.strip().split(" ", 1) if " " in out.stdout.strip() else (out.stdout.strip(), "")
    assert int(count) >= len(HEADLESS)
    assert bad == ""
