"""Layering: the headless packages never import a UI toolkit (checked in a clean interpreter)."""

from __future__ import annotations

import subprocess
import sys

HEADLESS_PACKAGES = (
    "tuichart.domain",
    "tuichart.errors",
    "tuichart.config",
    "tuichart.series",
    "tuichart.binance",
    "tuichart.exchange",
    "tuichart.store",
    "tuichart.indicators",
    "tuichart.engine",
    "tuichart.jobs",
    "tuichart.alerts",
)

CODE = """
import builtins, importlib, pkgutil, sys
UI = ("textual", "plotext", "rich", "textual_plotext")
seen = []
real_import = builtins.__import__

def spy(name, globals=None, locals=None, fromlist=(), level=0):
    importer = (globals or {}).get("__name__", "")
    if importer.startswith("tuichart") and level == 0 and name.split(".")[0] in UI:
        seen.append(importer + " -> " + name)
    return real_import(name, globals, locals, fromlist, level)

builtins.__import__ = spy
names = []
for pkg in PACKAGES:
    mod = importlib.import_module(pkg)
    names.append(pkg)
    if hasattr(mod, "__path__"):
        names += [m.name for m in pkgutil.walk_packages(mod.__path__, pkg + ".")]
for name in names:
    importlib.import_module(name)
# rich may arrive through httpx's optional CLI; the Textual and plotext stacks must not load at all.
heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "plotext", "textual_plotext"))
print(len(names))
print(";".join(seen))
print(";".join(heavy))
"""


def test_headless_modules_import_no_ui_toolkit() -> None:
    code = CODE.replace("PACKAGES", repr(HEADLESS_PACKAGES))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    count, direct, heavy = [*out.stdout.splitlines(), "", ""][:3]
    assert int(count) >= 20
    assert direct == "", f"headless modules import UI toolkits: {direct}"
    assert heavy == "", f"the UI stack was loaded: {heavy}"


def test_the_check_sees_a_direct_import() -> None:
    """The spy really catches a tuichart module importing rich (so a green test means something)."""
    code = (
        CODE.replace("PACKAGES", "()") + "\nexec(compile('import rich', 'x', 'exec'), {'__name__': 'tuichart.fake'})\n"
        "print(';'.join(seen))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.splitlines()[-1] == "tuichart.fake -> rich"


def test_the_app_loads_no_frame_or_web_libraries() -> None:
    """The terminal app starts without Polars, pyarrow, pandas or aiohttp (together ~60 MB and 0.4 s); the
    popout server and the data tools load them when asked for."""
    code = (
        "import sys, tuichart.cli.app_command, tuichart.tui.app, tuichart.indicators.live\n"
        "print(';'.join(sorted(m for m in ('polars', 'pyarrow', 'pandas', 'aiohttp') if m in sys.modules)))\n"
        "import tuichart.web\n"
        "tuichart.web.PopoutServer\n"
        "print('aiohttp' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["", "True"]


def test_talib_is_not_wrapped_for_polars_series() -> None:
    """Imported through our loader, TA-Lib neither loads Polars nor wraps its functions for Polars Series."""
    code = (
        "import sys\n"
        "from tuichart.indicators.talib_module import load_talib\n"
        "talib = load_talib()\n"
        "print(talib._pl_Series is None, 'polars' in sys.modules, talib.stream.RSI.__module__)\n"
        "import polars\n"  # and the block is lifted afterwards
        "print(polars.Series([1.0]).sum())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["True False talib._ta_lib", "1.0"]
