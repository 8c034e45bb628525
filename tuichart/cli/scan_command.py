"""`tuichart scan`: the market scan of the stored candles, printed once as a table, CSV or JSON."""

from __future__ import annotations

import argparse
import csv
import io
import json
import math

from tuichart.alerts.condition import parse_condition
from tuichart.cli.attach import reading_store
from tuichart.cli.demo import command_settings
from tuichart.cli.output import result, say
from tuichart.domain import Interval
from tuichart.errors import BadInput
from tuichart.jobs.scan import HEADERS, SORTABLE, ScanRow, cell, row_fields, scan, sort_rows
from tuichart.jobs.scan_source import stored_market
from tuichart.plural import plural


def run_scan(args: argparse.Namespace) -> int:
    """Scan the store's series of the quote assets at one interval; print the rows kept, sorted."""
    settings, _ = command_settings(args)
    interval = Interval.parse(args.interval)
    quotes = [q.strip().upper() for q in args.quote.split(",") if q.strip()]
    condition = parse_condition(args.where) if args.where else None
    if args.top is not None and args.top < 1:
        raise BadInput("--top must be at least 1")
    if args.sort.lstrip("-+") not in SORTABLE:
        raise BadInput(f"--sort {args.sort!r}: sort by one of {', '.join(SORTABLE)} (with - for descending)")
    with reading_store(settings.data_dir) as store:
        series = stored_market(store, interval, quotes)
        if not series:
            raise BadInput(
                f"no {interval.value} candles of a symbol quoted in {', '.join(quotes)} are stored in "
                f"{settings.data_dir}; record some first, e.g. `tuichart record --all --quote {quotes[0]} "
                f"-i {interval.value}`"
            )
    rows = sort_rows(scan(series, interval, condition), args.sort)
    shown = rows[: args.top] if args.top else rows
    result(_format(shown, args.format))
    if condition is not None:
        say(f"{plural(len(rows), 'symbol')} of {len(series)} match {condition}")
    return 0


def _format(rows: list[ScanRow], kind: str) -> str:
    if kind == "json":
        return json.dumps([{k: _json(v) for k, v in row_fields(r).items()} for r in rows], indent=1)
    if kind == "csv":
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(list(HEADERS))
        for r in rows:
            writer.writerow(["" if isinstance(v, float) and math.isnan(v) else v for v in row_fields(r).values()])
        return out.getvalue().rstrip("\n")
    table = [list(HEADERS.values()), *([cell(k, v) for k, v in row_fields(r).items()] for r in rows)]
    widths = [max(len(row[i]) for row in table) for i in range(len(HEADERS))]
    lines = []
    for row in table:
        pairs = enumerate(zip(row, widths, strict=True))
        cells = [c.ljust(w) if i in (0, len(widths) - 1) else c.rjust(w) for i, (c, w) in pairs]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _json(value: object) -> object:
    return None if isinstance(value, float) and math.isnan(value) else value


