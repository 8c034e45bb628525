"""Spine benchmarks: kline frames decoded + applied per second, 1M-candle upsert, load of the last 1000."""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import msgspec
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.data_paths import VISION_ZIPS  # noqa: E402
from tuichart.binance.encoding import kline_payload  # noqa: E402
from tuichart.binance.protocol import FrameParser  # noqa: E402
from tuichart.binance.vision import read_kline_file  # noqa: E402
from tuichart.domain import Interval, SeriesKey  # noqa: E402
from tuichart.series import Series  # noqa: E402
from tuichart.store import Columns, Store  # noqa: E402
from tuichart.store.schema import STATEMENTS  # noqa: E402
from tuichart.store.upsert_sql import kline_select  # noqa: E402

KEY = SeriesKey("BTCUSDT", Interval.M1)


def frames(n: int) -> list[bytes]:
    """Combined-stream kline frames from real candles: four forming updates then the close, repeated."""
    candles = [c for z in VISION_ZIPS for c in read_kline_file(z)]
    out: list[bytes] = []
    enc = msgspec.json.Encoder()
    i = 0
    while len(out) < n:
        c = candles[i % len(candles)]
        shift = (i // len(candles)) * 4320 * 60_000
        shifted = msgspec.structs.replace(c, open_time=c.open_time + shift, close_time=c.close_time + shift)
        for k in range(5):
            payload = kline_payload(KEY, shifted, k == 4, shifted.close_time + k)
            out.append(enc.encode({"stream": KEY.stream, "data": payload}))
        i += 1
    return out[:n]


def bench_decode_apply(n: int = 200_000) -> float:
    """Frames per second through FrameParser.parse and Series.apply."""
    data = frames(n)
    best = 0.0
    for _ in range(3):
        parser = FrameParser()
        series = Series(KEY)
        t0 = time.perf_counter()
        for f in data:
            for ev in parser.parse(f):
                series.apply(ev)  # type: ignore[arg-type]
        best = max(best, n / (time.perf_counter() - t0))
        assert parser.malformed == 0 and len(series) == n // 5
    return best


def synthetic_columns(n: int) -> Columns:
    """n one-minute candles with plausible values, as the store's columns."""
    rng = np.random.default_rng(1)
    close = 60_000 * np.exp(np.cumsum(rng.normal(0, 1e-3, n)))
    opens = np.arange(n, dtype=np.int64) * 60_000 + 1_577_836_800_000
    return {
        "open_time": opens,
        "open": close,
        "high": close * 1.001,
        "low": close * 0.999,
        "close": close,
        "volume": rng.random(n),
        "close_time": opens + 59_999,
        "quote_volume": rng.random(n),
        "trades": rng.integers(1, 900, n),
        "taker_buy_volume": rng.random(n),
        "taker_buy_quote_volume": rng.random(n),
    }


def duckdb_floor(columns: Columns) -> float:
    """Seconds DuckDB alone takes to insert the same rows, already converted, into the same keyed table: the
    primary key's index is most of an upsert's time, and no writer of this schema can go below it."""
    with tempfile.TemporaryDirectory() as tmp, duckdb.connect(str(Path(tmp) / "floor.duckdb")) as con:
        for statement in STATEMENTS:
            con.execute(statement)
        batch = columns  # noqa: F841  (the SELECT reads it by name)
        con.execute("CREATE TEMP TABLE converted AS " + kline_select(columns), [KEY.symbol, KEY.interval.value])
        t0 = time.perf_counter()
        con.execute("BEGIN")
        con.execute("INSERT INTO klines SELECT * FROM converted")
        con.execute("COMMIT")
        return time.perf_counter() - t0


def bench_store(n: int = 1_000_000) -> tuple[float, float, float, float]:
    """(seconds to upsert n new candles, seconds to upsert them again, median seconds to load the last 1000, seconds
    of `duckdb_floor` for the same rows)."""
    columns = synthetic_columns(n)
    floor = duckdb_floor(columns)
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp)) as store:
        t0 = time.perf_counter()
        store.upsert_columns(KEY, columns)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        store.upsert_columns(KEY, columns)
        again = time.perf_counter() - t0
        store.load_candles(KEY, last=1000)
        loads = []
        for _ in range(50):  # what the app's history load does: the newest candles as domain objects
            t0 = time.perf_counter()
            got = store.load_candles(KEY, last=1000)
            loads.append(time.perf_counter() - t0)
        assert len(got) == 1000
    return first, again, statistics.median(loads), floor


def main() -> list[tuple[str, str, str, str]]:
    """Rows of (metric, measured, goal, verdict)."""
    fps = bench_decode_apply()
    first, again, load, floor = bench_store()
    return [
        ("kline frames decoded+applied", f"{fps / 1000:,.0f}k/s", ">= 200k/s", f"{fps / 200_000:.2f}x goal"),
        ("1M-candle insert, DuckDB alone (DB)", f"{floor:.2f} s", "(anchor)", "rows pre-converted, same keyed table"),
        ("1M-candle upsert (new rows)", f"{first:.2f} s", "<= 1 s", f"{1 / first:.2f}x goal, {first / floor:.2f}x DB"),
        ("1M-candle upsert (replace all)", f"{again:.2f} s", "<= 1 s", f"{1 / again:.2f}x goal"),
        ("load last 1000 (median of 50)", f"{load * 1000:.2f} ms", "<= 5 ms", f"{0.005 / load:.2f}x goal"),
    ]


if __name__ == "__main__":
    for row in main():
        print(" | ".join(row))
