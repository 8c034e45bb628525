"""`tuichart store check`: read the store whole and say what it holds; exit 2 when any of it cannot be read."""

from __future__ import annotations

import argparse

from tuichart.cli.output import result
from tuichart.config import load_settings
from tuichart.errors import StoreError
from tuichart.plural import plural
from tuichart.store.check import check_store


def run_store(args: argparse.Namespace) -> int:
    """Run one `store` action (only `check` for now)."""
    settings = load_settings(args.data_dir, None)
    report = check_store(settings.data_dir)
    for table in report.tables:
        if table.error is None:
            result(f"{table.name}: {plural(table.rows, 'row')}, read whole")
        else:
            result(f"{table.name}: cannot be read: {table.error}")
    if report.series is not None:
        result(f"series: {report.series}")
    blocks = report.blocks
    if blocks.understood:
        bad = f", {plural(len(blocks.bad), 'bad checksum')}" if blocks.bad else ""
        result(f"blocks: {blocks.present} of {blocks.blocks} checked{bad}")
    if report.damage is not None:
        raise StoreError(
            f"{report.path} is damaged: {report.damage}; restore it from an export or a backup, or move it away "
            "(tuichart never writes to a damaged store)"
        )
    result(f"{report.path} is sound ({report.size / 2**20:.1f} MiB)")
    return 0
