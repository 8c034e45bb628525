"""`tuichart backfill`: fetch the closed candles the store lacks in a time range, page by page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tuichart.binance.rest import RestClient
from tuichart.domain import Gap, SeriesKey
from tuichart.jobs.indicator_rebuild import catch_up
from tuichart.jobs.progress import Progress, no_progress
from tuichart.store import Store


@dataclass(frozen=True, slots=True)
class BackfillReport:
    """Candles written per series, and the ranges the exchange itself has no candles for."""

    written: dict[SeriesKey, int]
    exchange_gaps: list[Gap]


def candle_span(key: SeriesKey, since: int, until: int | None, now: int) -> tuple[int, int] | None:
    """Open times of the first and last candles opening in [since, until] and closed by `now`."""
    first = key.interval.open_time(since)
    if first < since:
        first = key.interval.next_open(first)
    last = key.interval.open_time(now if until is None else min(until, now))
    if key.interval.close_time(last) >= now:
        last = key.interval.open_time(last - 1)
    return (first, last) if first <= last else None


def count_candles(key: SeriesKey, first: int, last: int) -> int:
    """Candles from open time `first` to `last` inclusive."""
    if not key.interval.is_calendar:
        return (last - first) // key.interval.nominal_ms + 1
    n, t = 1, first
    while (t := key.interval.next_open(t)) <= last:
        n += 1
    return n


def missing_ranges(store: Store, key: SeriesKey, first: int, last: int) -> list[Gap]:
    """Runs of candles between open times `first` and `last` that the store lacks."""
    stored = store.load_columns(key, since=first, until=last)["open_time"].tolist()
    if not stored:
        return [Gap(key, first, last, count_candles(key, first, last))]
    out: list[Gap] = []
    if stored[0] > first:
        end = key.interval.open_time(stored[0] - 1)
        out.append(Gap(key, first, end, count_candles(key, first, end)))
    out += store.gaps(key, since=first, until=last)
    if stored[-1] < last:
        start = key.interval.next_open(stored[-1])
        out.append(Gap(key, start, last, count_candles(key, start, last)))
    return out


async def backfill(
    rest: RestClient,
    store: Store,
    keys: Sequence[SeriesKey],
    since: int,
    until: int | None,
    now: int,
    progress: Progress = no_progress,
) -> BackfillReport:
    """Fill every missing closed candle of `keys` opening in [since, until]; each page is its own transaction.

    Ranges the exchange has no candles for (maintenance) are recorded in the store and not asked for again.
    The stored indicators are then recomputed from the first new candle on.
    """
    plans: dict[SeriesKey, list[Gap]] = {}
    for key in keys:
        span = candle_span(key, since, until, now)
        plans[key] = missing_ranges(store, key, *span) if span else []
    total = sum(g.count for gaps in plans.values() for g in gaps)
    done = 0
    written: dict[SeriesKey, int] = {}
    exchange_gaps: list[Gap] = []
    progress("downloading candles", 0, total)
    for key, gaps in plans.items():
        written[key] = 0
        for gap in gaps:
            async for page in rest.closed_klines(key, gap.first_open, key.interval.close_time(gap.last_open)):
                written[key] += store.upsert(key, page)
                done += len(page)
                progress("downloading candles", min(done, total), total)
            holes = missing_ranges(store, key, gap.first_open, gap.last_open)
            for hole in holes:
                store.record_exchange_gap(hole, now)
                done += hole.count
            exchange_gaps += holes
            progress("downloading candles", min(done, total), total)
    catch_up(store, {key: gaps[0].first_open for key, gaps in plans.items() if gaps}, progress)
    return BackfillReport(written, exchange_gaps)
