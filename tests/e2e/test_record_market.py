"""`tuichart record --all` on a synthetic market of a few thousand streams: several connections, one of them lost,
symbols delisted and listed mid-run, and then the store compared row by row with the exchange's own candles."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import duckdb
import httpx

from tests.e2e.harness import exchange_process
from tuichart.binance.protocol import parse_klines
from tuichart.domain import Candle, Interval, SeriesKey
from tuichart.store import STORE_FILE

MARKET = 1100  # symbols over every quote asset: 2,200 kline streams at two intervals, three connections
SPEED = 5


def stored_series(data: Path) -> dict[SeriesKey, list[tuple[int, tuple[str, ...]]]]:
    """Every stored candle by series: (open time ms, its fields as the exchange writes them)."""
    con = duckdb.connect(str(data / STORE_FILE), read_only=True)
    rows = con.execute(
        """SELECT symbol, "interval", epoch_ms(open_time), open::VARCHAR, high::VARCHAR, low::VARCHAR,
           close::VARCHAR, volume::VARCHAR, quote_volume::VARCHAR, trades, taker_buy_volume::VARCHAR,
           taker_buy_quote_volume::VARCHAR FROM klines ORDER BY 1, 2, 3"""
    ).fetchall()
    con.close()
    out: dict[SeriesKey, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
    for symbol, interval, open_time, *fields in rows:
        out[SeriesKey(symbol, Interval(interval))].append((open_time, tuple(map(str, fields))))
    return out


def theirs(c: httpx.Client, key: SeriesKey, first: int, last: int) -> list[Candle]:
    """The exchange's candles of a series opening in [first, last]."""
    out: list[Candle] = []
    while first <= last:
        params = {"symbol": key.symbol, "interval": key.interval.value, "startTime": first, "endTime": last}
        answer = c.get("/api/v3/klines", params={**params, "limit": 1000})
        assert answer.status_code == 200, answer.text
        page = parse_klines(answer.json())
        out += page
        if len(page) < 1000:
            return out
        first = page[-1].open_time + 1
    return out


def as_stored(c: Candle) -> tuple[str, ...]:
    """A candle's fields as the store's decimals print them."""
    assert c.exact is not None
    o, h, low, close, v, q, tv, tq = c.exact
    return (o, h, low, close, v, q, str(c.trades), tv, tq)


def listing(url: str) -> dict[str, str]:
    """Every symbol exchangeInfo names, with its status."""
    with httpx.Client(base_url=url, timeout=30) as c:
        return {s["symbol"]: s["status"] for s in c.get("/api/v3/exchangeInfo").json()["symbols"]}


def test_record_all_keeps_every_candle_across_connections_and_listing_changes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    faults = "dropone@15,delist@18,list@20,delist@24"
    start = "2026-11-20T09:58"  # an hour closes mid-run
    args: list[str | int] = ["--synthetic-market", MARKET, "--speed", SPEED, "--seed", 3, "--start", start]
    args += ["--faults", faults, "--weight-limit", 10**6]  # a high limit: this test's comparison asks for every series
    with exchange_process(*args) as ex:
        before = listing(ex.url)
        trading = {s for s, status in before.items() if status == "TRADING"}
        command = ["record", "--all", "--quote", "USDT,FDUSD,USDC,BTC,ETH,BNB,TRY,EUR", "-i", "1m,1h"]
        command += ["--max-backfill", "3", "--relist-every", "2", "--duration", "50"]
        run = subprocess.run(
            [sys.executable, "-m", "tuichart", *command, "--exchange", ex.url, "--data-dir", data],
            capture_output=True,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
            timeout=300,
        )
        end = ex.clock()
        after = listing(ex.url)
        delisted = {s for s in trading if after.get(s) == "BREAK"}
        (listed,) = {s for s, status in after.items() if status == "TRADING"} - trading
        assert run.returncode == 0, run.stdout + run.stderr
        assert "Traceback" not in run.stderr and len(delisted) == 2
        for symbol in delisted:
            assert re.search(rf"^{symbol}: delisted or halted \(status BREAK\); no longer recorded$", run.stderr, re.M)
        assert re.search(rf"^{listed}: newly listed; recording 1m, 1h$", run.stderr, re.M), run.stderr
        connections = re.search(r"on (\d+) connections", run.stderr)
        assert connections and int(connections.group(1)) >= 3, run.stderr
        assert re.search(r"feed reconnecting.*connection \d+ of \d+", run.stderr), run.stderr  # one was lost

        store = stored_series(data)
        assert {k.symbol for k in store} == trading | {listed}
        assert {k.interval for k in store} == {Interval.M1, Interval.H1}
        lost = doubled = differing = 0
        client = httpx.Client(base_url=ex.url, timeout=30)
        for key, rows in store.items():
            opens = [t for t, _ in rows]
            doubled += len(opens) - len(set(opens))
            recent = key.interval.open_time(end) - 3 * key.interval.nominal_ms  # closed well before the run's end
            last = opens[-1] if key.symbol in delisted else max(opens[-1], recent)
            want = {c.open_time: as_stored(c) for c in theirs(client, key, opens[0], last)}
            got = dict(rows)
            lost += sum(1 for t in want if t not in got and key.interval.close_time(t) < end)
            differing += sum(1 for t, fields in got.items() if want.get(t) != fields)
        client.close()
        assert (lost, doubled, differing) == (0, 0, 0)
        assert store[SeriesKey(listed, Interval.M1)]  # its candles from when it was picked up on
    assert re.search(r"\b0 candles missing", run.stdout), run.stdout
