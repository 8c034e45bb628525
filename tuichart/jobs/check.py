"""`tuichart check`: stored candles against the exchange's over a range, a page at a time, and their repair."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from tuichart.binance.rest import KLINES_LIMIT, RestClient
from tuichart.domain import Gap, SeriesKey
from tuichart.errors import BadInput
from tuichart.jobs.backfill import candle_span
from tuichart.jobs.candle_diff import (
    VALUE_FIELDS,
    Row,
    SeriesCheck,
    compare_window,
    count_slots,
    exchange_row,
    stored_row,
)
from tuichart.jobs.indicator_rebuild import catch_up
from tuichart.jobs.progress import Progress, no_progress
from tuichart.store import Store
from tuichart.store.queries import stored_text_rows
from tuichart.timeparse import format_time


@dataclass(slots=True)
class CheckReport:
    """What the check found in one series and, with repair, how many candles were written and the check after."""

    found: SeriesCheck
    repaired: int = 0
    after: SeriesCheck | None = None

    @property
    def final(self) -> SeriesCheck:
        """The series as it is now: the check after the repair, else the first one."""
        return self.after or self.found


def check_span(key: SeriesKey, since: int | None, until: int | None, store: Store, now: int) -> tuple[int, int]:
    """Open times of the first and last candles to check: from `since`, else the first stored candle, to `until`,
    else the newest closed one."""
    start = since
    if start is None:
        first = store.first_open_time(key)
        if first is None:
            raise BadInput(f"the store holds no {key} candles; give --since DATE to check a range of them")
        start = first
    if start > now:
        raise BadInput(f"--since {format_time(start)} is after the exchange's clock ({format_time(now)})")
    span = candle_span(key, start, until, now)
    if span is None:
        end = format_time(now if until is None else min(until, now))
        raise BadInput(f"no {key} candle closed between {format_time(start)} and {end}; check another range")
    return span


def stored_rows(store: Store, key: SeriesKey, start: int, end: int) -> list[Row]:
    """The stored candles opening in [start, end), decimals as the store's exact digits."""
    rows = stored_text_rows(store, key, start, end, VALUE_FIELDS)
    return [stored_row(int(r[0]), r[1:]) for r in rows]  # type: ignore[call-overload]


async def compare_series(
    rest: RestClient,
    store: Store,
    key: SeriesKey,
    span: tuple[int, int],
    *,
    repair: bool,
    tick: Callable[[int], None],
) -> tuple[SeriesCheck, int]:
    """Compare one series page by page over `span`; with `repair`, write the exchange's candle wherever the store
    lacks it or differs. Returns the findings (as they were before any repair) and the candles written."""
    found = SeriesCheck(key, *span)
    written = 0
    start, last = span
    while start <= last:  # a page of the exchange's candles at a time, so a long gap it has costs one request
        raw = await rest.klines(key, start, key.interval.close_time(last), KLINES_LIMIT)
        page = [c for c in raw if start <= c.open_time <= last]
        # Until a page comes back empty: a short page is not the end when the exchange counts its gaps in `limit`.
        end_slot = key.interval.open_time(page[-1].open_time) if page else last
        end = key.interval.next_open(end_slot)
        theirs = [exchange_row(c) for c in page]
        diff = compare_window(key.interval, start, end_slot, stored_rows(store, key, start, end), theirs)
        found.add(diff)
        if repair:
            fix = {*diff.missing, *(t for t, _ in diff.differing)}
            written += store.upsert(key, [c for c in page if c.open_time in fix])
        tick(count_slots(key.interval, start, end_slot))
        start = end
    return found, written


async def check_store(
    rest: RestClient,
    store: Store,
    spans: Mapping[SeriesKey, tuple[int, int]],
    now: int,
    *,
    repair: bool = False,
    progress: Progress = no_progress,
) -> dict[SeriesKey, CheckReport]:
    """Compare every series over its span; with `repair`, fill what is missing, overwrite what differs, remember
    the gaps the exchange itself has, recompute the indicators from the first written candle, then check again."""
    reports: dict[SeriesKey, CheckReport] = {}
    total = sum(count_slots(key.interval, *span) for key, span in spans.items())
    meter = _Meter(progress, "comparing candles", total)
    for key, span in spans.items():
        found, written = await compare_series(rest, store, key, span, repair=repair, tick=meter)
        reports[key] = CheckReport(found, written)
    if not repair:
        return reports
    for key, report in reports.items():
        for run in report.found.exchange_gaps.runs:
            store.record_exchange_gap(Gap(key, run.first, run.last, run.count), now)
    repaired = {key: r for key, r in reports.items() if r.repaired}
    if not repaired:
        return reports
    catch_up(store, {key: _first_fixed(r.found) for key, r in repaired.items()}, progress)
    meter = _Meter(progress, "checking again", sum(count_slots(key.interval, *spans[key]) for key in repaired))
    for key, report in repaired.items():
        report.after, _ = await compare_series(rest, store, key, spans[key], repair=False, tick=meter)
    return reports


def _first_fixed(found: SeriesCheck) -> int:
    return min(runs.runs[0].first for runs in (found.missing, found.differing) if runs.runs)


class _Meter:
    """Candles compared so far, reported as one progress task."""

    def __init__(self, progress: Progress, task: str, total: int) -> None:
        self.progress, self.task, self.total, self.done = progress, task, total, 0
        progress(task, 0, total)

    def __call__(self, n: int) -> None:
        self.done += n
        self.progress(self.task, min(self.done, self.total), self.total)
