"""A running recorder and, on the same data dir at the same time, the app, `web`, `export`, `alerts fired` and
`scan` attached to it, plus a Binance client library reading the recorder's URL."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import duckdb
import httpx

from tests.alerts.scenario import SYMBOL, write
from tests.e2e.harness import exchange_process, tuichart
from tests.e2e.terminal import Terminal
from tuichart.binance.protocol import parse_klines
from tuichart.relay.discovery import Recorder, find_recorder
from tuichart.store import STORE_FILE

with warnings.catch_warnings():  # the client library imports websockets' deprecated legacy API
    warnings.simplefilter("ignore", DeprecationWarning)
    from binance.client import Client

SPEED = 20  # a 1m candle lasts 3 s: the scenario's crossings come 15 to 42 s into the run
RUN_FOR = 45


def wait_for_recorder(state: Path, data: Path, proc: subprocess.Popen[str]) -> Recorder:
    """The recorder's announcement, once it serves."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        found = find_recorder(state / "tuichart", data)
        if found is not None:
            return found
        time.sleep(0.1)
    raise AssertionError("the recorder never announced itself")


def test_sessions_attach_to_a_running_recorder(tmp_path: Path) -> None:
    files = write(tmp_path)
    data, state = tmp_path / "data", tmp_path / "state"
    hook = tmp_path / "on-alert.sh"  # every delivery, whoever makes it, lands in one file
    hook.write_text(f'#!/bin/sh\ncat >> "{tmp_path / "delivered.jsonl"}"\necho >> "{tmp_path / "delivered.jsonl"}"\n')
    hook.chmod(0o755)
    with files.config.open("a") as fh:
        fh.write(f'\n[notify]\ndesktop = false\ncommand = "{hook}"\n')
    env = {"TUICHART_CONFIG": str(files.config), "XDG_STATE_HOME": str(state), "NO_COLOR": "1"}
    assert tuichart("import", files.history, "--data-dir", data, env=env).returncode == 0
    term = Terminal(tmp_path)
    with exchange_process("--replay", files.replay, "--speed", SPEED) as ex:
        command = [sys.executable, "-m", "tuichart", "record", SYMBOL, "-i", "1m", "--duration", RUN_FOR]
        record = subprocess.Popen(
            [*map(str, command), "--exchange", ex.url, "--data-dir", str(data)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, **env},
        )
        web: subprocess.Popen[str] | None = None
        try:
            recorder = wait_for_recorder(state, data, record)
            announced = next((state / "tuichart" / "recorders").glob("*.json"))
            assert announced.stat().st_mode & 0o077 == 0  # the token is this user's alone

            # the app: attached, live, no store of its own opened
            term.start([SYMBOL, "--data-dir", str(data)], {**env, "COLORTERM": "truecolor", "TERM": "xterm-256color"})
            screen = term.wait(lambda s: "via recorder" in s and "● live" in s, what="the attached app, live")
            assert "stored" not in screen and "store memory" not in screen  # the recorder stores, not the app

            # `web` on the same data dir, through the recorder
            web = subprocess.Popen(
                [sys.executable, "-m", "tuichart", "web", SYMBOL, "-i", "1m", "--port", "0", "--data-dir", str(data)],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ, **env},
            )
            assert web.stdout is not None
            first = web.stdout.readline()
            assert first.startswith("attached to the recorder of"), first
            page = re.search(r"http://127\.0\.0\.1:\d+/\?token=\S+", web.stdout.readline())
            assert page, "no popout URL"
            snapshot_url = page.group(0).replace("/?token", "/api/snapshot?token") + f"&symbol={SYMBOL}&interval=1m"
            snap = httpx.get(snapshot_url, timeout=10).json()
            assert len(snap["candles"]) >= 400  # the imported history, read from the recorder

            # export, alerts fired and scan run in the recorder, whose store they would otherwise find in use
            csv = tmp_path / "out.csv"
            export = ("export", SYMBOL, "-i", "1m", "-o", "out.csv", "--data-dir", data)
            exported = tuichart(*export, env=env, cwd=tmp_path)  # a path relative to where it was typed
            assert exported.returncode == 0, exported.stderr
            assert re.match(r"exported \d+ BTCUSDT 1m candles to .*out\.csv", exported.stdout), exported.stdout
            scanned = tuichart("scan", "--quote", "USDT", "-i", "1m", "--format", "json", "--data-dir", data, env=env)
            assert scanned.returncode == 0, scanned.stderr
            assert {row["symbol"] for row in json.loads(scanned.stdout)} >= {SYMBOL}
            listed = tuichart("alerts", "fired", "--data-dir", data, env=env)
            assert listed.returncode == 0, listed.stderr

            # a Binance client library reads the recorder's URL as it would Binance
            client = Client(ping=False)
            client.API_URL = recorder.url + "/api"
            rows = client.get_klines(symbol=SYMBOL, interval="1m", limit=50)
            theirs = httpx.get(
                f"{ex.url}/api/v3/klines",
                params={"symbol": SYMBOL, "interval": "1m", "startTime": rows[0][0], "endTime": rows[-2][0]},
            ).json()
            assert len(rows) == 50
            assert rows[:-1] == theirs  # every closed candle as the exchange has it, digits and all

            term.wait(lambda s: "alert up" in s, timeout=40, what="an alert the recorder fired, shown by the app")
            term.keys("S")  # the market scan, computed by the recorder
            term.wait(lambda s: "Market scan · USDT · 1m · 1 symbol" in s and re.search(r"BTCUSDT\s+\d", s) is not None)
        finally:
            out, err = record.communicate(timeout=120)
            term.close()
            if web is not None:
                web.terminate()
                web.communicate(timeout=20)
    assert record.returncode == 0, err
    assert "serving 127.0.0.1:" in err
    assert not announced.exists()  # withdrawn at exit

    # the export is the store's series, row for row
    con = duckdb.connect(str(data / STORE_FILE), read_only=True)
    fired = con.execute("SELECT rule_id, source FROM alerts_fired ORDER BY ALL").fetchall()
    con.close()
    assert csv.read_text().count("\n") >= 500
    stored = {line.split(",")[0] for line in csv.read_text().splitlines()}
    assert len(stored) == csv.read_text().count("\n")  # no duplicate rows
    # the recorder fired each alert once; the attached app fired none (nothing of it stored or delivered)
    printed = re.findall(r"^alert (\S+): ", out, re.MULTILINE)
    assert printed and sorted(printed) == sorted(rid for rid, _ in fired)
    assert {source for _, source in fired} == {"record"}
    delivered = [json.loads(line) for line in (tmp_path / "delivered.jsonl").read_text().splitlines() if line]
    assert sorted(a["rule_id"] for a in delivered) == sorted(printed)
    assert {a["source"] for a in delivered} == {"record"}
    assert parse_klines(theirs)  # the exchange's rows parsed as klines: the comparison above was of real rows


def test_a_recorder_that_cannot_serve_records_all_the_same(tmp_path: Path) -> None:
    env = {"XDG_STATE_HOME": str(tmp_path / "state")}
    with socket.socket() as taken, exchange_process("--synthetic", SYMBOL, "--speed", 60) as ex:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = tuichart(
            "record", SYMBOL, "--duration", 3, "--serve-port", port, "--exchange", ex.url,
            "--data-dir", tmp_path / "data", env=env,
        )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "not serving other sessions: " in run.stderr and "cannot attach to this recorder" in run.stderr
    assert re.search(r"\d+ closed candles? recorded, .* 0 candles missing", run.stdout), run.stdout
    assert not list((tmp_path / "state").glob("tuichart/recorders/*.json"))
