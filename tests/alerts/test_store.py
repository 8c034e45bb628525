"""`alerts_fired` in real DuckDB files: the contract, newest-first reads, older stores, read-only, the writer."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb

from tuichart.domain import FiredAlert
from tuichart.store import STORE_FILE, Store, StoreWriter


def alert(n: int, symbol: str = "BTCUSDT", *, closed: bool = True) -> FiredAlert:
    return FiredAlert(
        f"r{n}", symbol, "1m", "rsi above 70", n * 60_000, closed, 100.0 + n, 70.0 + n, 1_000 * n, "record"
    )


def test_table_follows_the_contract_and_reads_back_newest_first(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        assert store.fired_alerts() == []
        store.record_alerts([alert(1), alert(2, "ETHUSDT", closed=False)])
        store.record_alerts([alert(3)])
        assert store.fired_alerts() == [alert(3), alert(2, "ETHUSDT", closed=False), alert(1)]
        assert store.fired_alerts(limit=1) == [alert(3)]
        assert store.fired_alerts(symbol="BTCUSDT") == [alert(3), alert(1)]
        store.record_alerts([FiredAlert("n", "BTCUSDT", "1m", "change above 1% in 5m", 0, True, 1.0, math.nan, 9_000)])
        assert math.isnan(store.fired_alerts(limit=1)[0].value)
    con = duckdb.connect(str(tmp_path / STORE_FILE), read_only=True)
    cols = con.execute(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'alerts_fired' "
        "ORDER BY ordinal_position"
    ).fetchall()
    assert cols == [
        ("fired_at", "TIMESTAMP"),
        ("rule_id", "VARCHAR"),
        ("symbol", "VARCHAR"),
        ("interval", "VARCHAR"),
        ("open_time", "TIMESTAMP"),
        ("closed", "BOOLEAN"),
        ("condition", "VARCHAR"),
        ("price", "DOUBLE"),
        ("value", "DOUBLE"),
        ("source", "VARCHAR"),
    ]
    row = con.execute("SELECT epoch_ms(open_time), epoch_ms(fired_at) FROM alerts_fired WHERE rule_id = 'r3'")
    assert row.fetchone() == (180_000, 3_000)
    con.close()


def test_an_older_store_gains_the_table_on_open(tmp_path: Path) -> None:
    Store.open(tmp_path).close()
    con = duckdb.connect(str(tmp_path / STORE_FILE))
    con.execute("DROP TABLE alerts_fired")
    con.execute("UPDATE tuichart_meta SET value = '1' WHERE key = 'schema_version'")
    con.close()
    with Store.open(tmp_path, read_only=True) as old:
        assert old.fired_alerts() == []  # read-only: no table yet, and no crash
        old.record_alerts([alert(1)])  # skipped and logged
    with Store.open(tmp_path) as store:
        store.record_alerts([alert(1)])
        assert store.fired_alerts() == [alert(1)]
        assert store.query("SELECT value FROM tuichart_meta WHERE key = 'schema_version'") == [("3",)]


def test_read_only_store_skips_writes(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        store.record_alerts([alert(1)])
    with Store.open(tmp_path, read_only=True) as ro:
        ro.record_alerts([alert(2)])
        assert ro.fired_alerts() == [alert(1)]


def test_the_writer_stores_alerts_off_the_callers_thread(tmp_path: Path) -> None:
    with Store.open(tmp_path) as store:
        writer = StoreWriter(store, max_delay=0.01)
        writer.put_alerts([alert(1), alert(2)])
        writer.put_alerts([])
        writer.put_alerts([alert(3)])
        assert writer.flush(10)
        writer.close()
        assert [a.rule_id for a in store.fired_alerts()] == ["r3", "r2", "r1"]
