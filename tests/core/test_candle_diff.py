"""The pure core of `tuichart check`: exact comparison of candles, windows of the grid, runs of findings."""

from __future__ import annotations

from tuichart.domain import MINUTE_MS, Candle, Interval, SeriesKey
from tuichart.jobs.candle_diff import (
    Row,
    Run,
    Runs,
    SeriesCheck,
    compare_window,
    count_slots,
    differing_fields,
    exchange_row,
    stored_row,
    uncovered,
)
from tuichart.timeparse import parse_time

T0 = parse_time("2024-01-01")
KEY = SeriesKey("BTCUSDT", Interval.M1)
TEXT = ("42000.10000000", "42010.00000000", "41990.00000000", "42005.5", "12345678901234.12345678",
        "80539283.67261260", "0.00000001", "1")  # fmt: skip


def candle(i: int, texts: tuple[str, ...] = TEXT, trades: int = 7) -> Candle:
    t = T0 + i * MINUTE_MS
    o, h, low, c, v, q, tv, tq = map(float, texts)
    return Candle(t, o, h, low, c, v, t + MINUTE_MS - 1, q, trades, tv, tq, texts)


def stored(i: int, texts: tuple[str, ...] = TEXT, trades: int = 7) -> Row:
    """A row as the store returns it: DECIMAL(38,8) as text with eight places."""
    t = T0 + i * MINUTE_MS
    eight = [f"{float(x):.8f}" if len(x.split(".")[-1]) < 8 else x for x in texts]
    o, h, low, c, v, q, tv, tq = eight
    return stored_row(t, (o, h, low, c, v, t + MINUTE_MS - 1, q, trades, tv, tq))


def test_equal_digits_written_differently_are_equal_and_one_unit_apart_differs() -> None:
    assert differing_fields(stored(0)[1], exchange_row(candle(0))[1]) == ()  # "42005.5" vs "42005.50000000"
    bumped = (*TEXT[:4], "12345678901234.12345679", *TEXT[5:])  # a double cannot tell these two apart
    assert float(bumped[4]) == float(TEXT[4])
    assert differing_fields(stored(0, bumped)[1], exchange_row(candle(0))[1]) == ("volume",)
    assert differing_fields(stored(0, trades=8)[1], exchange_row(candle(0))[1]) == ("trades",)
    _, values = stored(0)
    nulled = (None, *values[1:])  # a NULL open (a store written before klines were checked)
    assert differing_fields(nulled, exchange_row(candle(0))[1]) == ("open",)
    assert differing_fields(("inf", *values[1:]), ("Infinity", *values[1:])) == ("open",)


def test_a_number_without_text_compares_by_its_digits() -> None:
    plain = Candle(T0, 0.1, 0.3, 0.1, 0.2, 5.0, T0 + MINUTE_MS - 1, 1.5, 3, 2.0, 0.25)
    row = stored_row(T0, ("0.10000000", "0.30000000", "0.10000000", "0.20000000", "5.00000000", T0 + MINUTE_MS - 1,
                          "1.50000000", 3, "2.00000000", "0.25000000"))  # fmt: skip
    assert differing_fields(row[1], exchange_row(plain)[1]) == ()


def test_compare_window_sorts_every_finding() -> None:
    exchange = [exchange_row(candle(i)) for i in range(10) if i not in (6, 7)]  # the exchange has no 6, 7
    ours = [stored(i) for i in (0, 1, 1, 4, 5, 6, 9)] + [stored(3, trades=1)]
    m = MINUTE_MS
    diff = compare_window(Interval.M1, T0, T0 + 9 * m, ours, exchange)
    assert diff.checked == 8
    assert diff.missing == [T0 + 2 * m, T0 + 8 * m]
    assert diff.duplicated == [T0 + m]
    assert diff.differing == [(T0 + 3 * m, ("trades",))]
    assert diff.extra == [T0 + 6 * m]
    assert diff.exchange_gaps == [Run(T0 + 6 * m, T0 + 7 * m, 2)]


def test_uncovered_runs_of_the_grid_are_counted_without_walking_them() -> None:
    m = MINUTE_MS
    year = 525_600
    opens = [T0 + 2 * m, T0 + 3 * m, T0 + 3 * m + 5, T0 + 7 * m]  # one off the grid, inside candle 3
    assert uncovered(Interval.M1, T0, T0 + year * m, opens) == [
        Run(T0, T0 + m, 2),
        Run(T0 + 4 * m, T0 + 6 * m, 3),
        Run(T0 + 8 * m, T0 + year * m, year - 7),
    ]
    assert uncovered(Interval.M1, T0, T0 + 2 * m, [T0, T0 + m, T0 + 2 * m]) == []
    assert uncovered(Interval.M1, T0, T0 + 2 * m, []) == [Run(T0, T0 + 2 * m, 3)]
    months = [parse_time(d) for d in ("2023-11-01", "2024-03-01")]
    assert uncovered(Interval.MO1, months[0], months[1], [months[0]]) == [Run(parse_time("2023-12-01"), months[1], 4)]
    assert count_slots(Interval.MO1, months[0], months[1]) == 5
    assert count_slots(Interval.M1, T0, T0 - m) == 0


def test_runs_merge_consecutive_candles_across_windows_and_collect_fields() -> None:
    runs = Runs(Interval.M1)
    for i, fields in [(3, ("close",)), (4, ("volume",)), (5, ("close",)), (9, ()), (10, ("high",))]:
        runs.add(T0 + i * MINUTE_MS, fields)
    assert runs.runs == [
        Run(T0 + 3 * MINUTE_MS, T0 + 5 * MINUTE_MS, 3, ("close", "volume")),
        Run(T0 + 9 * MINUTE_MS, T0 + 10 * MINUTE_MS, 2, ("high",)),
    ]
    assert runs.total == 5
    months = Runs(Interval.MO1)
    for day in ("2024-01-01", "2024-02-01", "2024-03-01", "2024-05-01"):
        months.add(parse_time(day))
    assert [(r.count, r.last) for r in months.runs] == [(3, parse_time("2024-03-01")), (1, parse_time("2024-05-01"))]


def test_series_check_adds_windows_and_matches_only_when_nothing_is_off() -> None:
    m = MINUTE_MS
    check = SeriesCheck(KEY, T0, T0 + 1999 * m)
    for first, last in [(0, 999), (1000, 1999)]:
        ex = [exchange_row(candle(i)) for i in range(first, last + 1) if i != 1500]
        ours = [stored(i) for i in range(first, last + 1) if not 998 <= i <= 1001]
        check.add(compare_window(Interval.M1, T0 + first * m, T0 + last * m, ours, ex))
    assert check.checked == 1999
    assert check.missing.runs == [Run(T0 + 998 * m, T0 + 1001 * m, 4)]  # one run over two pages
    assert check.exchange_gaps.runs == [Run(T0 + 1500 * m, T0 + 1500 * m, 1)]
    assert check.extra.runs == [Run(T0 + 1500 * m, T0 + 1500 * m, 1)]
    assert not check.matches
    gap = SeriesCheck(KEY, T0, T0 + 9 * m)
    gap.add(compare_window(Interval.M1, T0, T0 + 4 * m, [], []))
    gap.add(compare_window(Interval.M1, T0 + 5 * m, T0 + 9 * m, [], []))
    assert gap.matches and gap.exchange_gaps.runs == [Run(T0, T0 + 9 * m, 10)]  # joined across pages
