"""The pure core of `tuichart check`: exact comparison of candles, windows of the grid, runs of findings."""

from __future__ import annotations

from tuichart.domain import MINUTE_MS, Candle, Interval, SeriesKey
from tuichart.services.candle_diff import (
    Row,
    Run,
    Runs,
    SeriesCheck,
    compare_window,
    differing_fields,
    exchange_row,
    grid,
    stored_row,
    windows,
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
    slots = list(grid(Interval.M1, T0, T0 + 9 * MINUTE_MS))
    exchange = [exchange_row(candle(i)) for i in range(10) if i not in (6, 7)]  # the exchange has no 6, 7
    ours = [stored(i) for i in (0, 1, 1, 4, 5, 6, 9)] + [stored(3, trades=1)]
    diff = compare_window(slots, ours, exchange)
    m = MINUTE_MS
    assert diff.checked == 8
    assert diff.missing == [T0 + 2 * m, T0 + 8 * m]
    assert diff.duplicated == [T0 + m]
    assert diff.differing == [(T0 + 3 * m, ("trades",))]
    assert diff.extra == [T0 + 6 * m]
    assert diff.exchange_gaps == [T0 + 6 * m, T0 + 7 * m]


def test_windows_cover_the_grid_once_in_pages() -> None:
    chunks = list(windows(Interval.M1, T0, T0 + 2499 * MINUTE_MS, 1000))
    assert [len(c) for c in chunks] == [1000, 1000, 500]
    assert [t for c in chunks for t in c] == [T0 + i * MINUTE_MS for i in range(2500)]
    months = list(windows(Interval.MO1, parse_time("2023-11-01"), parse_time("2024-03-01"), 2))
    assert months == [
        [parse_time("2023-11-01"), parse_time("2023-12-01")],
        [parse_time("2024-01-01"), parse_time("2024-02-01")],
        [parse_time("2024-03-01")],
    ]


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
    check = SeriesCheck(KEY, T0, T0 + 1999 * MINUTE_MS)
    pages = list(windows(Interval.M1, check.first, check.last, 1000))
    for page in pages:
        ex = [exchange_row(candle((t - T0) // MINUTE_MS)) for t in page if t != T0 + 1500 * MINUTE_MS]
        ours = [stored((t - T0) // MINUTE_MS) for t in page if not 998 <= (t - T0) // MINUTE_MS <= 1001]
        check.add(compare_window(page, ours, ex))
    assert check.checked == 1999
    assert check.missing.runs == [Run(T0 + 998 * MINUTE_MS, T0 + 1001 * MINUTE_MS, 4)]  # one run over two pages
    assert check.exchange_gaps.runs == [Run(T0 + 1500 * MINUTE_MS, T0 + 1500 * MINUTE_MS, 1)]
    assert check.extra.runs == [Run(T0 + 1500 * MINUTE_MS, T0 + 1500 * MINUTE_MS, 1)]
    assert not check.matches
    clean = SeriesCheck(KEY, T0, T0)
    clean.add(compare_window([T0], [], []))
    assert clean.matches and clean.exchange_gaps.total == 1
