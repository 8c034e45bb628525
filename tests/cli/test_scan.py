"""`tuichart scan` over a real store: every column equal to TA-Lib's batch output on the same stored candles,
sorting, filtering by an alert condition, short histories, and what is wrong said in one line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import talib

from tests.cli.helpers import run_cli
from tuichart.domain import Candle, Interval, SeriesKey
from tuichart.exchange.sources import wide_market
from tuichart.store import Store

NOW = 1_795_800_000_000
HOUR = 3_600_000
USDT = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT", "DOGEUSDT", "PEPEUSDT"]


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store of 1h candles from the synthetic market: six USDT symbols with 600 candles, one with 12, one BTC pair."""
    market = wide_market(400, seed=5, now_ms=NOW)
    path = tmp_path_factory.mktemp("scan")
    counts = {**dict.fromkeys(USDT, 600), "ADAUSDT": 12, "ETHBTC": 600}
    market.listed_at.update(dict.fromkeys(counts, 0))  # all listed long ago
    with Store.open(path) as store:
        for symbol, n in counts.items():
            key = SeriesKey(symbol, Interval.H1)
            last = Interval.H1.open_time(NOW) - HOUR
            candles = market.candles(key, last - (n - 1) * HOUR, last, NOW, 1000, newest=False)
            assert len(candles) == n
            store.upsert(key, candles)
    return path


def stored(data: Path, symbol: str) -> list[Candle]:
    with Store.open(data, read_only=True) as store:
        return store.candles(SeriesKey(symbol, Interval.H1))


def talib_row(candles: list[Candle]) -> dict[str, float]:
    """The scan's columns by TA-Lib's batch functions on every stored candle."""
    close = np.array([c.close for c in candles])
    high, low = np.array([c.high for c in candles]), np.array([c.low for c in candles])
    volume = np.array([c.volume for c in candles])
    upper, _, lower = talib.BBANDS(close, 20, 2.0, 2.0, talib.MA_Type.SMA)
    k, _ = talib.STOCHF(high, low, close, 14, 3, talib.MA_Type.SMA)
    return {
        "last": close[-1],
        "change": (close[-1] - close[-25]) / close[-25] * 100,
        "volume": volume[-1] / volume[-21:-1].mean(),
        "rsi": talib.RSI(close, 14)[-1],
        "bb": (close[-1] - lower[-1]) / (upper[-1] - lower[-1]),
        "macd": talib.MACD(close, 12, 26, 9)[2][-1],
        "stoch": k[-1],
    }


def scan_json(data: Path, *args: str) -> list[dict[str, object]]:
    out = run_cli("scan", "--data-dir", data, "--format", "json", *args)
    assert out.returncode == 0, out.stderr
    rows: list[dict[str, object]] = json.loads(out.stdout)
    return rows


def test_every_column_equals_talib_on_the_stored_candles(data: Path) -> None:
    rows = {str(r["symbol"]): r for r in scan_json(data, "--quote", "USDT", "-i", "1h")}
    assert set(rows) == {*USDT, "ADAUSDT"}  # the BTC pair is not quoted in USDT
    for symbol in USDT:
        want = talib_row(stored(data, symbol))
        got = rows[symbol]
        assert got["candles"] == 500 and got["note"] == ""
        for name, value in want.items():
            assert math.isfinite(value) and abs(float(str(got[name])) - value) <= 1e-9 * max(1.0, abs(value)), name


def test_a_short_history_shows_what_it_has_and_says_why(data: Path) -> None:
    (ada,) = [r for r in scan_json(data, "--quote", "USDT") if r["symbol"] == "ADAUSDT"]
    assert ada["candles"] == 12 and ada["rsi"] is None and ada["change"] is None and ada["last"] is not None
    assert ada["note"] == "only 12 candles: RSI needs 15, BB needs 20, MACD needs 34, STOCH needs 16"


def test_sorted_by_any_column_and_filtered_by_a_condition(data: Path) -> None:
    by_rsi = scan_json(data, "--quote", "USDT,BTC", "--sort", "-rsi")
    rsis = [float(str(r["rsi"])) for r in by_rsi if r["rsi"] is not None]
    assert rsis == sorted(rsis, reverse=True) and by_rsi[-1]["symbol"] == "ADAUSDT"  # no value: last
    assert "ETHBTC" in {r["symbol"] for r in by_rsi}
    median = sorted(rsis)[len(rsis) // 2]
    low = scan_json(data, "--quote", "USDT,BTC", "--where", f"rsi < {median}", "--sort", "change")
    below = {r["symbol"] for r in by_rsi if r["rsi"] is not None and float(str(r["rsi"])) < median}
    assert {r["symbol"] for r in low} == below
    changes = [float(str(r["change"])) for r in low]
    assert changes == sorted(changes)
    top = scan_json(data, "--quote", "USDT,BTC", "--sort", "-change", "--top", "2")
    assert len(top) == 2 and top[0]["change"] == max(float(str(r["change"])) for r in by_rsi if r["change"])
    rising = scan_json(data, "--quote", "USDT,BTC", "--where", "change above 0% in 24h")  # reads a close before
    up = {r["symbol"] for r in by_rsi if r["change"] is not None and float(str(r["change"])) > 0}
    assert {r["symbol"] for r in rising} == up and 0 < len(up) < len(by_rsi)
    outside = scan_json(data, "--quote", "USDT,BTC", "--where", "close outside bb")
    for r in outside:
        assert not 0 <= float(str(r["bb"])) <= 1


def test_the_table_and_csv_formats(data: Path) -> None:
    table = run_cli("scan", "--data-dir", data, "--quote", "USDT", "--sort", "symbol", "--top", "3")
    lines = table.stdout.splitlines()
    assert table.returncode == 0 and lines[0].split()[:4] == ["symbol", "last", "24h", "%"]
    assert [line.split()[0] for line in lines[1:]] == ["ADAUSDT", "BTCUSDT", "DOGEUSDT"]
    csv = run_cli("scan", "--data-dir", data, "--quote", "USDT", "--format", "csv")
    header, *rows = csv.stdout.splitlines()
    assert header == "symbol,last,change,volume,rsi,bb,macd,stoch,candles,note" and len(rows) == 7


def test_what_is_wrong_is_one_line(data: Path, tmp_path: Path) -> None:
    for args, message in (
        (["--sort", "bogus"], "--sort 'bogus': sort by one of symbol, last, change"),
        (["--where", "rsi sideways 3"], "cannot read the alert condition"),
        (["--top", "0"], "--top must be at least 1"),
        (["--quote", "EUR"], "no 1h candles of a symbol quoted in EUR are stored"),
    ):
        out = run_cli("scan", "--data-dir", data, *args)
        assert out.returncode == 2 and message in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
