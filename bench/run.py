"""`make bench`: every benchmark in one run, printed side by side with its goal."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

SUITES = [
    ("spine", "bench_spine"),
    ("indicators", "bench_indicators"),
    ("app", "bench_app"),
    ("alerts", "bench_alerts"),
    ("market", "bench_market"),
]


def main() -> int:
    """Run each suite and print one table."""
    rows: list[tuple[str, ...]] = []
    for title, module in SUITES:
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError:
            continue
        print(f"running {title} ...", file=sys.stderr, flush=True)
        rows += [(title, *r) for r in mod.main()]
    header = ("suite", "metric", "measured", "goal", "vs goal")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for r in [header, tuple("-" * w for w in widths), *rows]:
        print("  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
