"""A long-running writer's store keeps DuckDB's memory capped however large the file grows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tuichart.domain import Candle, Interval, SeriesKey
from tuichart.store import Store, StoreWriter
from tuichart.store.columns import Columns
from tuichart.store.schema import INDICATOR_COLUMNS

START = 1_700_000_040_000


def duckdb_memory(store: Store) -> int:
    (total,) = store.query("SELECT sum(memory_usage_bytes) FROM duckdb_memory()")[0]
    assert isinstance(total, int), total
    return total


def test_bounded_store_caches_little_while_the_file_grows(tmp_path: Path) -> None:
    store = Store.open(tmp_path, fallback=False)
    store.bound_memory()
    limit = store.query("SELECT current_setting('memory_limit'), current_setting('checkpoint_threshold')")[0]
    assert limit in (("22.8 MiB", "3.8 MiB"), ("24.0 MB", "4.0 MB")), limit
    rng = np.random.default_rng(0)
    peak = 0
    for minute in range(40):  # 30 series, a minute of 1m candles at a time: 36,000 candles and indicator rows
        for s in range(30):
            key = SeriesKey(f"S{s:02d}USDT", Interval.M1)
            t = START + (minute * 30 + np.arange(30, dtype=np.int64)) * 60_000
            price = 100 + rng.random(30)
            batch: Columns = {"open_time": t, "close_time": t + 59_999, "trades": np.full(30, 7, dtype=np.int64)}
            batch.update({f: price for f in ("open", "high", "low", "close", "volume", "quote_volume")})
            batch.update({f: price / 2 for f in ("taker_buy_volume", "taker_buy_quote_volume")})
            store.upsert_columns(key, batch)
            store.upsert_indicator_columns(key, {"open_time": t, **{c: rng.random(30) for c in INDICATOR_COLUMNS}})
        peak = max(peak, duckdb_memory(store))
    assert store.count(SeriesKey("S07USDT", Interval.M1)) == 1200
    store.close()
    assert peak <= 18 * 2**20, peak  # unbounded, DuckDB holds 24 MB by now and more as the file grows
    assert (tmp_path / "tuichart.duckdb").stat().st_size > 8 * 2**20  # the file outgrew what stays cached


def test_a_memory_store_is_not_bounded() -> None:
    store = Store.open(None)
    store.bound_memory()
    assert store.query("SELECT current_setting('checkpoint_threshold')")[0][0] != "3.8 MiB"
    store.close()


def test_a_writer_commits_a_backfills_batches_within_the_cap(tmp_path: Path) -> None:
    store = Store.open(tmp_path, fallback=False)
    store.bound_memory()
    errors: list[Exception] = []
    writer = StoreWriter(store, max_delay=60, on_error=errors.append)  # each round is one batch: 46,500 candles
    step = Interval.H1.nominal_ms
    first_open = START // step * step
    for first in range(0, 300, 50):
        for s in range(first, first + 50):
            key = SeriesKey(f"S{s}USDT", Interval.H1)
            for i in range(930):
                t, p = first_open + i * step, 100.0 + i * 0.01
                writer.put(key, Candle(t, p, p + 1, p - 1, p, 10.0, t + step - 1, 1000.0, 5, 5.0, 500.0))
            writer.put_indicators(
                key, [(first_open + i * step, (float(i),) * len(INDICATOR_COLUMNS)) for i in range(930)]
            )
        assert writer.flush(timeout=120)
    writer.close()
    assert errors == [] and writer.written == 300 * 930 and writer.unwritten == 0
    totals = store.query("SELECT count(*), count(DISTINCT symbol), sum(close) FROM klines")[0]
    assert totals == (300 * 930, 300, pytest.approx(300 * (100 * 930 + 929 * 930 / 200)))
    assert store.query("SELECT count(*), sum(ema_12) FROM indicators")[0] == (300 * 930, 300 * 929 * 930 / 2)
    store.close()
