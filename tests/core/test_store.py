"""The DuckDB store on real files under tmp_path: schema contract, upserts, loads, gaps, fallbacks."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import msgspec
import pytest

from tests.data_paths import VISION_ZIPS
from tuichart.binance.vision import read_kline_file
from tuichart.domain import Candle, Gap, Interval, SeriesKey
from tuichart.errors import StoreError
from tuichart.store import STORE_FILE, Store, StoreMode, StoreWriter
from tuichart.store.schema import INDICATOR_COLUMNS

KEY = SeriesKey("BTCUSDT", Interval.M1)


@pytest.fixture(scope="module")
def day() -> list[Candle]:
    return read_kline_file(VISION_ZIPS[0])


def test_tables_and_view_follow_the_contract(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    con = duckdb.connect(str(tmp_path / STORE_FILE), read_only=True)
    cols = {
        t: [
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position", [t]
            ).fetchall()
        ]
        for t in ("klines", "indicators", "ohlc_data")
    }
    assert cols["klines"] == [
        "symbol",
        "interval",
        "open_time",
        "open",
        "high",
        "low",
        "close",
        "volume",
        "close_time",
        "quote_volume",
        "trades",
        "taker_buy_volume",
        "taker_buy_quote_volume",
    ]
    indicators = [
        "ema_12",
        "ema_26",
        "rsi",
        "macd",
        "macd_signal",
        "macd_histogram",
        "bb_upper",
        "bb_middle",
        "bb_lower",
        "stoch_k",
        "stoch_d",
    ]
    assert cols["indicators"] == ["symbol", "interval", "open_time", *indicators]
    assert cols["ohlc_data"] == [
        "timestamp",
        "symbol",
        "interval",
        "open",
        "high",
        "low",
        "close",
        "volume",
        *indicators,
    ]
    types = dict(
        con.execute(
            "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'klines'"
        ).fetchall()
    )
    assert types["open_time"] == "TIMESTAMP" and types["trades"] == "BIGINT"
    assert types["open"] == types["quote_volume"] == "DECIMAL(38,8)"  # Binance's digits, all of them


@pytest.mark.parametrize(
    ("missing", "why"),
    [(range(1430, 1435), "a short gap inside the exact window"), (range(200, 1400), "a gap wider than any window")],
)
def test_last_n_holds_the_newest_stored_across_gaps(
    tmp_path: Path, day: list[Candle], missing: range, why: str
) -> None:
    kept = [c for i, c in enumerate(day) if i not in missing]
    with Store.open(tmp_path) as store:
        store.upsert(KEY, kept)
        for n in (1, 10, 100, 230):
            assert store.load_candles(KEY, last=n) == kept[-n:], why
        assert (
            store.load_candles(KEY, last=100, until=day[1436].open_time)
            == [c for c in kept if c.open_time <= day[1436].open_time][-100:]
        ), why


def test_last_n_of_a_short_series_is_all_of_it_and_follows_older_writes(tmp_path: Path, day: list[Candle]) -> None:
    """More asked for than stored: every stored candle, also after older ones are written (a history page back)."""
    with Store.open(tmp_path) as store:
        store.upsert(KEY, day[1000:])
        assert store.load_candles(KEY, last=1500) == day[1000:]
        store.upsert(KEY, day[600:800])  # older, with a gap before what was there
        assert store.load_candles(KEY, last=1500) == day[600:800] + day[1000:]
        assert store.load_candles(KEY, last=500) == day[740:800] + day[1000:]
    with Store.open(tmp_path) as store:  # a new process knows nothing of the above until it asks
        assert store.load_candles(KEY, last=1500) == day[600:800] + day[1000:]


def test_the_stored_span_holds_when_older_candles_are_written_first(tmp_path: Path, day: list[Candle]) -> None:
    """A process whose first act on a series is writing older candles (a page back) still knows its newest."""
    with Store.open(tmp_path) as store:
        store.upsert(KEY, day[1000:])
    with Store.open(tmp_path) as store:
        store.upsert(KEY, day[600:700])
        assert store.last_open_time(KEY) == day[-1].open_time
        assert store.first_open_time(KEY) == day[600].open_time
        assert store.load_candles(KEY, last=5) == day[-5:]
        assert store.first_open_time(SeriesKey("ETHUSDT", Interval.M1)) is None


def test_spans_read_in_one_pass_are_those_asked_one_by_one_and_follow_writes(tmp_path: Path, day: list[Candle]) -> None:
    other, empty = SeriesKey("ETHUSDT", Interval.M1), SeriesKey("SOLUSDT", Interval.M1)
    with Store.open(tmp_path) as store:
        store.upsert(KEY, day[1000:])
        store.upsert(other, day[5:50])
    with Store.open(tmp_path) as store:
        store.read_spans([KEY, other, empty])
        assert store.last_open_time(KEY) == day[-1].open_time and store.first_open_time(other) == day[5].open_time
        assert store.last_open_time(other) == day[49].open_time and store.last_open_time(empty) is None
        store.upsert(empty, day[:3])
        store.upsert(other, day[60:61])
        assert store.last_open_time(empty) == day[2].open_time and store.first_open_time(empty) == day[0].open_time
        assert store.last_open_time(other) == day[60].open_time


def test_upsert_is_idempotent_and_loads_round_trip(tmp_path: Path, day: list[Candle]) -> None:
    with Store.open(tmp_path) as store:
        assert store.upsert(KEY, day) == 1440
        store.upsert(KEY, day[100:200])
        assert store.count(KEY) == 1440
        assert store.candles(KEY) == day
        last = store.load(KEY, last=1000)
        assert last.height == 1000 and last["open_time"][-1] == day[-1].open_time
        assert last["open_time"][0] == day[440].open_time
        ranged = store.load(KEY, since=day[10].open_time, until=day[19].open_time)
        assert ranged["open_time"].to_list() == [c.open_time for c in day[10:20]]
        assert store.load_candles(KEY, last=3, until=day[99].open_time) == day[97:100]
        columns = store.load_columns(KEY, last=2)
        assert columns["trades"].dtype.kind == "i" and columns["close"].tolist() == [c.close for c in day[-2:]]
        assert store.load_candles(SeriesKey("ETHUSDT", Interval.M1), last=5) == []
        assert store.last_open_time(KEY) == day[-1].open_time
        assert store.last_open_time(SeriesKey("ETHUSDT", Interval.M1)) is None
        changed = Candle(day[5].open_time, 1.0, 2.0, 0.5, 1.5, 9.0, day[5].close_time, 10.0, 3, 4.0, 5.0)
        store.upsert(KEY, [changed])
        assert store.candles(KEY, since=day[5].open_time, until=day[5].open_time) == [changed]
    with Store.open(tmp_path) as again:
        assert again.count() == 1440


def test_gaps_are_listed_and_exchange_gaps_accepted(tmp_path: Path, day: list[Candle]) -> None:
    with Store.open(tmp_path) as store:
        store.upsert(KEY, day[:100] + day[103:500] + day[510:])
        gaps = store.gaps(KEY)
        assert gaps == [
            Gap(KEY, day[100].open_time, day[102].open_time, 3),
            Gap(KEY, day[500].open_time, day[509].open_time, 10),
        ]
        store.record_exchange_gap(gaps[1], day[-1].close_time)
        assert store.gaps(KEY) == gaps[:1]


def test_writer_batches_off_thread(tmp_path: Path, day: list[Candle]) -> None:
    with Store.open(tmp_path) as store:
        threads: set[str] = set()
        writer = StoreWriter(
            store, max_delay=0.05, on_written=lambda k, n: threads.add(threading.current_thread().name)
        )
        for c in day:
            writer.put(KEY, c)
        writer.put(KEY, day[0])  # a repeat is written once
        assert writer.flush(timeout=10)
        writer.close()
        assert store.count(KEY) == 1440
        assert threads == {"store-writer"}


def test_a_writer_batch_holds_every_series_and_replaces_revised_rows(tmp_path: Path, day: list[Candle]) -> None:
    keys = [SeriesKey(s, Interval.M1) for s in ("AAAUSDT", "BBBUSDT", "CCCUSDT")]
    width = len(INDICATOR_COLUMNS)
    with Store.open(tmp_path) as store:
        writer = StoreWriter(store, max_delay=0.01)
        for i, key in enumerate(keys):
            for c in day[: 100 + i]:
                writer.put(key, c)
            writer.put_indicators(key, [(c.open_time, (float(i),) * width) for c in day[: 100 + i]])
        assert writer.flush(timeout=10)
        revised = msgspec.structs.replace(day[50], close=day[50].close + 1, exact=None)
        writer.put(keys[1], revised)  # a stored candle revised and a new one in the same batch
        writer.put(keys[1], day[101])
        writer.put_indicators(keys[1], [(day[50].open_time, (9.0,) * width), (day[101].open_time, (1.0,) * width)])
        assert writer.flush(timeout=10)
        writer.close()
        assert [store.count(k) for k in keys] == [100, 102, 102]
        assert [store.last_open_time(k) for k in keys] == [day[99].open_time, day[101].open_time, day[101].open_time]
        assert store.load_candles(keys[1], since=day[50].open_time, until=day[50].open_time)[0].close == revised.close
        assert store.load_candles(keys[0], since=day[50].open_time, until=day[50].open_time)[0].close == day[50].close
        sums = store.query("SELECT symbol, count(*), sum(ema_12) FROM indicators GROUP BY symbol ORDER BY symbol")
        assert sums == [("AAAUSDT", 100, 0.0), ("BBBUSDT", 102, 110.0), ("CCCUSDT", 102, 204.0)]


def test_second_process_falls_back_to_memory(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.upsert(KEY, read_kline_file(VISION_ZIPS[0])[:10])
        code = (
            "from pathlib import Path; from tuichart.store import Store; import sys\n"
            f"s = Store.open(Path({str(tmp_path)!r}))\n"
            "print(s.mode.value); print(s.notice)\n"
            f"try:\n    Store.open(Path({str(tmp_path)!r}), fallback=False)\n"
            "except Exception as e:\n    print(e)\n"
        )
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
        lines = out.splitlines()
        assert lines[0] == "in-memory"
        assert "is in use by another process (PID" in lines[1] and "in-memory" in lines[1]
        assert "is in use by another process" in lines[2]
        assert store.count(KEY) == 10


def test_corrupt_and_foreign_files_are_refused_and_kept(tmp_path: Path) -> None:
    junk = b"this is not a database" * 10
    (tmp_path / STORE_FILE).write_bytes(junk)
    with pytest.raises(StoreError, match="not a DuckDB database tuichart can use"):
        Store.open(tmp_path)
    assert (tmp_path / STORE_FILE).read_bytes() == junk
    other = tmp_path / "other"
    other.mkdir()
    con = duckdb.connect(str(other / STORE_FILE))
    con.execute("CREATE TABLE trades(x INT)")
    con.close()
    with pytest.raises(StoreError, match="not tuichart's"):
        Store.open(other)
    con = duckdb.connect(str(other / STORE_FILE), read_only=True)
    assert con.execute("SELECT table_name FROM information_schema.tables").fetchall() == [("trades",)]


def test_memory_store_and_read_only(tmp_path: Path) -> None:
    mem = Store.open(None)
    assert mem.mode is StoreMode.MEMORY and mem.count() == 0
    with pytest.raises(StoreError, match="no store"):
        Store.open(tmp_path / "none", read_only=True)
