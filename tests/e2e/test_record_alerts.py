"""`tuichart record` against a replayed, designed market: every rule fires exactly once per crossing."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import duckdb

from tests.alerts.scenario import HISTORY, LENGTH, SYMBOL, UNWATCHED, expected_fired, write
from tests.e2e.harness import exchange_process, tuichart
from tuichart.store import STORE_FILE

SPEED = 120  # a 1m candle lasts 0.5 s: the live part of the scenario takes 15 s


def test_record_fires_each_rule_once_per_crossing(tmp_path: Path) -> None:
    files = write(tmp_path)
    data = tmp_path / "data"
    hook = tmp_path / "on-alert.sh"  # delivery through a real command hook: one JSON object per alert on stdin
    hook.write_text(f'#!/bin/sh\ncat >> "{tmp_path / "delivered.jsonl"}"\necho >> "{tmp_path / "delivered.jsonl"}"\n')
    hook.chmod(0o755)
    with socket.socket() as s:  # a port nothing listens on: Telegram is down all run
        s.bind(("127.0.0.1", 0))
        down = f"http://127.0.0.1:{s.getsockname()[1]}"
    with files.config.open("a") as fh:
        fh.write(f'\n[notify]\ndesktop = false\ncommand = "{hook}"\n\n[notify.telegram]\napi_url = "{down}"\n')
    env = {"TUICHART_CONFIG": str(files.config), "TUICHART_TELEGRAM_TOKEN": "1:t", "TUICHART_TELEGRAM_CHAT_ID": "9"}
    imported = tuichart("import", files.history, "--data-dir", data, env=env)
    assert imported.returncode == 0, imported.stderr
    with exchange_process("--replay", files.replay, "--speed", SPEED) as ex:
        run_for = (LENGTH - HISTORY) * 60 / SPEED + 2
        r = tuichart(
            "record", SYMBOL, "-i", "1m", "--duration", run_for, "--exchange", ex.url, "--data-dir", data, env=env
        )
    assert r.returncode == 0, r.stderr
    con = duckdb.connect(str(data / STORE_FILE), read_only=True)
    rows = con.execute(
        'SELECT rule_id, symbol, epoch_ms(open_time), closed, "interval", source FROM alerts_fired ORDER BY ALL'
    ).fetchall()
    last = con.execute("SELECT max(epoch_ms(open_time)) FROM klines").fetchone()
    con.close()
    expected = expected_fired()
    assert last is not None and last[0] >= max(t for _, _, t, _ in expected), "the run ended before the scenario"
    assert sorted((rid, sym, t, c) for rid, sym, t, c, _, _ in rows) == expected
    assert {(iv, src) for *_, iv, src in rows} == {("1m", "record")}
    printed = re.findall(r"^alert (\S+): (.*)$", r.stdout, re.MULTILINE)  # fired alerts are results
    assert sorted(rid for rid, _ in printed) == sorted(rid for rid, *_ in expected)
    assert (
        "up",
        "BTCUSDT 1m: price crosses above 110 (value 112, price 112, closed candle 2024-01-01 08:25 UTC)",
    ) in printed
    tick = [text for rid, text in printed if rid == "tick"]
    assert len(tick) == 1 and tick[0].startswith("BTCUSDT 1m: price above 120 (value ")
    assert tick[0].endswith("forming candle 2024-01-01 08:40 UTC)")
    for rule_id in UNWATCHED:
        assert f"warning: alert {rule_id} (" in r.stderr and "is not evaluated" in r.stderr
    assert f"{len(expected)} alerts fired" in r.stdout
    assert "alerts are delivered by command, telegram too" in r.stderr
    failed = re.findall(r"^alert (\S+) via (\w+) failed: (.*)$", r.stderr, re.MULTILINE)
    assert {channel for _, channel, _ in failed} == {"telegram"}  # the hook never failed
    assert failed[0][2] == f"cannot connect to {down}: Connection refused"  # then "not tried, … is down"
    assert sorted(rid for rid, _, _ in failed) == sorted(rid for rid, *_ in expected)  # each alert reported
    delivered = [json.loads(line) for line in (tmp_path / "delivered.jsonl").read_text().splitlines() if line]
    assert sorted((a["rule_id"], a["symbol"], a["open_time"], a["closed"]) for a in delivered) == expected
    assert {a["source"] for a in delivered} == {"record"}
