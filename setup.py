"""Wheel builds carry the popout's chart library: fetched from the npm registry and integrity-checked here."""

import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithChartLibrary(build_py):
    """build_py, then lightweight-charts into the built package (the source tree never holds it)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:  # an editable install uses the checkout, where `make` fetches it
            return
        spec = importlib.util.spec_from_file_location("vendor", Path("tuichart/web/vendor.py"))
        assert spec is not None and spec.loader is not None
        vendor = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(vendor)
        vendor.fetch(Path(self.build_lib) / "tuichart" / "web" / "static" / "vendor")


setup(cmdclass={"build_py": BuildPyWithChartLibrary})
