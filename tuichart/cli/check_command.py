"""`tuichart check`: the store against the exchange, what differs, and with --repair the repair."""

from __future__ import annotations

import argparse
import asyncio

from tuichart.binance.presets import resolve_exchange
from tuichart.cli.checks import time_range
from tuichart.cli.output import result, say
from tuichart.cli.progress import progress_bar
from tuichart.cli.record_command import EXIT_MISSING
from tuichart.config import Settings, load_settings
from tuichart.domain import Interval, SeriesKey, normalize_symbol
from tuichart.engine.policies import rest_client
from tuichart.jobs.candle_diff import Run, Runs, SeriesCheck
from tuichart.jobs.check import CheckReport, check_span, check_store
from tuichart.plural import plural
from tuichart.store import Store
from tuichart.timeparse import format_minute

MAX_RANGES = 20  # listed per finding and series; the rest are summed up in one line


def run_check(args: argparse.Namespace) -> int:
    """`tuichart check SYMBOL ... -i INTERVAL [--since DATE] [--until DATE] [--repair]`."""
    settings = load_settings(args.data_dir, args.exchange)
    interval = Interval.parse(args.interval)
    since, until = time_range(args.since, args.until)
    symbols = [normalize_symbol(s) for s in args.symbols]
    reports = asyncio.run(_check(settings, symbols, interval, since, until, args.repair))
    for report in reports.values():
        for line in report_lines(report):
            result(line)
    wrong = [key for key, r in reports.items() if not r.final.matches]
    checked = plural(sum(r.final.checked for r in reports.values()), "candle")
    if not wrong:
        result(f"the store matches the exchange ({plural(len(reports), 'series', 'series')}, {checked})")
        return 0
    result(f"the store does not match the exchange in {len(wrong)} of {plural(len(reports), 'series', 'series')}")
    if not args.repair:
        say("`tuichart check ... --repair` fetches the missing candles and overwrites the differing ones")
    return EXIT_MISSING


async def _check(
    settings: Settings, symbols: list[str], interval: Interval, since: int | None, until: int | None, repair: bool
) -> dict[SeriesKey, CheckReport]:
    endpoints = resolve_exchange(settings.exchange)
    async with rest_client(endpoints, settings.network) as rest:
        valid = await rest.validate_series(symbols, interval)
        now = await rest.server_time()
        with Store.open(settings.data_dir, read_only=not repair, fallback=False) as store:
            spans = {key: check_span(key, since, until, store, now) for key in (SeriesKey(s, interval) for s in valid)}
            say(f"comparing {', '.join(map(str, spans))} in {settings.data_dir} with {endpoints.name}")
            with progress_bar() as progress:
                return await check_store(rest, store, spans, now, repair=repair, progress=progress)


def report_lines(report: CheckReport) -> list[str]:
    """What the check found in one series, its repair and what the check after it found."""
    found = report.found
    lines = [f"{found.key}: {summary(found)}", *detail_lines(found)]
    if report.after is not None:
        lines.append(f"{found.key}: {plural(report.repaired, 'candle')} written from the exchange")
        lines.append(f"{found.key}: after the repair: {summary(report.after)}")
        lines += detail_lines(report.after, exchange_gaps=False)
    return lines


def summary(check: SeriesCheck) -> str:
    """Candles checked, the range, and the count of each finding."""
    text = (
        f"{plural(check.checked, 'candle')} checked, {_span(check.first, check.last)}: "
        f"{check.missing.total} missing, {check.duplicated.total} duplicated, {check.differing.total} differing"
    )
    if check.extra.total:
        text += f", {check.extra.total} stored that the exchange does not have"
    if check.exchange_gaps.total:
        text += f"; the exchange itself has no candles for {check.exchange_gaps.total} (not missing)"
    return text


def detail_lines(check: SeriesCheck, *, exchange_gaps: bool = True) -> list[str]:
    """The UTC ranges of every finding, at most MAX_RANGES per finding."""
    findings: list[tuple[str, Runs]] = [
        ("missing", check.missing),
        ("duplicated", check.duplicated),
        ("differing", check.differing),
        ("stored, not on the exchange", check.extra),
    ]
    if exchange_gaps:
        findings.append(("the exchange has no candles", check.exchange_gaps))
    lines = []
    for label, runs in findings:
        lines += [f"{check.key}: {label} {_run(run)}" for run in runs.runs[:MAX_RANGES]]
        rest = runs.runs[MAX_RANGES:]
        if rest:
            lines.append(
                f"{check.key}: {label}: {plural(len(rest), 'more range')} "
                f"({plural(sum(r.count for r in rest), 'candle')})"
            )
    return lines


def _run(run: Run) -> str:
    what = plural(run.count, "candle") + (f": {', '.join(run.fields)}" if run.fields else "")
    return f"{_span(run.first, run.last)} ({what})"


def _span(first: int, last: int) -> str:
    if first == last:
        return f"{format_minute(first)} UTC"
    return f"{format_minute(first)} .. {format_minute(last)} UTC"
