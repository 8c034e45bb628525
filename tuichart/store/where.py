"""The WHERE clause every series query shares: one symbol and interval, optionally a range of open times."""

from __future__ import annotations

from tuichart.domain import SeriesKey


def series_where(
    key: SeriesKey, since: int | None = None, until: int | None = None, *, table: str = ""
) -> tuple[str, list[object]]:
    """The clause and its parameters for `key`'s rows opening in [since, until] (ms; None: unbounded); `table`
    qualifies the columns (an alias such as "k")."""
    t = f"{table}." if table else ""
    where = f'{t}symbol = ? AND {t}"interval" = ?'
    params: list[object] = [key.symbol, key.interval.value]
    if since is not None:
        where += f" AND {t}open_time >= make_timestamp(? * 1000)"
        params.append(since)
    if until is not None:
        where += f" AND {t}open_time <= make_timestamp(? * 1000)"
        params.append(until)
    return where, params
