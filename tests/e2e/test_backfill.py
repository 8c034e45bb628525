"""`tuichart backfill` and network bad input through the real CLI against a real exchange process."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from aiohttp import web

from tests.data_paths import VISION_ZIPS
from tests.e2e.harness import exact, exchange_process, tuichart
from tuichart.binance.vision import read_kline_file
from tuichart.store import STORE_FILE


def test_backfill_is_resumable_and_matches_the_source(tmp_path: Path) -> None:
    data = tmp_path / "data"
    day2 = read_kline_file(VISION_ZIPS[1])
    with exchange_process("--replay", *VISION_ZIPS, "--speed", "1", "--start", "2020-01-03T06:00") as ex:
        r = tuichart(
            "backfill",
            "BTCUSDT",
            "-i",
            "1m",
            "--since",
            "2020-01-02T00:00",
            "--until",
            "2020-01-02T11:59",
            "--exchange",
            ex.url,
            "--data-dir",
            data,
        )
        assert r.returncode == 0, r.stderr
        assert "BTCUSDT 1m: 720 candles written" in r.stdout
        r = tuichart(
            "backfill",
            "BTCUSDT",
            "-i",
            "1m",
            "--since",
            "2020-01-02",
            "--until",
            "2020-01-02T23:59:59",
            "--exchange",
            ex.url,
            "--data-dir",
            data,
        )
        assert r.returncode == 0, r.stderr
        assert "BTCUSDT 1m: 720 candles written" in r.stdout  # only the missing half
        r = tuichart(
            "backfill",
            "BTCUSDT",
            "-i",
            "1h",
            "--since",
            "2020-01-02",
            "--until",
            "2020-01-02T23:59:59",
            "--exchange",
            ex.url,
            "--data-dir",
            data,
        )
        assert "BTCUSDT 1h: 24 candles written" in r.stdout
    con = duckdb.connect(str(data / STORE_FILE), read_only=True)
    rows = con.execute(
        "SELECT epoch_ms(open_time), open, high, low, close, volume FROM klines WHERE interval = '1m' ORDER BY 1"
    ).fetchall()
    assert rows == [(c.open_time, *(exact(c, f) for f in ("open", "high", "low", "close", "volume"))) for c in day2]
    hourly = con.execute("SELECT max(high), min(low), sum(volume) FROM klines WHERE interval = '1h'").fetchone()
    assert hourly is not None
    assert hourly == (
        max(exact(c, "high") for c in day2),
        min(exact(c, "low") for c in day2),
        sum(exact(c, "volume") for c in day2),
    )  # the exchange's hourly candles add up the minutes exactly


@pytest.fixture()
def restricted() -> Iterator[str]:
    """A loopback server answering every request with HTTP 451, as Binance does from restricted places."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    holder: dict[str, object] = {}

    async def refuse(request: web.Request) -> web.Response:
        return web.json_response({"code": 0, "msg": "restricted"}, status=451)

    async def start() -> None:
        app = web.Application()
        app.router.add_get("/{tail:.*}", refuse)
        runner = web.AppRunner(app)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        holder["url"] = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
        holder["runner"] = runner
        ready.set()

    thread = threading.Thread(target=lambda: (loop.run_until_complete(start()), loop.run_forever()), daemon=True)
    thread.start()
    ready.wait(10)
    yield str(holder["url"])
    loop.call_soon_threadsafe(loop.stop)


def test_network_bad_input_is_one_line(tmp_path: Path, restricted: str) -> None:
    data = tmp_path / "data"
    with exchange_process("--replay", VISION_ZIPS[0]) as ex:
        cases = [
            (
                ["record", "NOPEUSDT", "-i", "1m", "--duration", "1", "--exchange", ex.url],
                "unknown or not trading symbol 'NOPEUSDT'",
            ),
            (["backfill", "LUNCBTC", "-i", "1m", "--since", "2020-01-01", "--exchange", ex.url], "status is BREAK"),
            (["record", "BTCUSDT", "-i", "1M", "--duration", "1", "--exchange", ex.url], None),
            (["backfill", "BTCUSDT", "-i", "1mo", "--since", "2020-01-01", "--exchange", ex.url], None),
            (["backfill", "BTCUSDT", "-i", "5x", "--since", "2020-01-01", "--exchange", ex.url], "unknown interval"),
            (
                [
                    "backfill",
                    "BTCUSDT",
                    "-i",
                    "1m",
                    "--since",
                    "2020-01-02",
                    "--until",
                    "2020-01-01",
                    "--exchange",
                    ex.url,
                ],
                "is before --since",
            ),
            (["record", "BTCUSDT", "--duration", "1", "--exchange", "kraken"], "unknown exchange 'kraken'"),
            (["record", "BTCUSDT", "--duration", "1", "--exchange", "http://127.0.0.1:9"], "cannot reach 127.0.0.1:9"),
            (
                ["backfill", "BTCUSDT", "-i", "1h", "--since", "2020-01-01", "--exchange", restricted],
                "not available from your location (HTTP 451); try --exchange binance-us",
            ),
        ]
        for args, message in cases:
            r = tuichart(*args, "--data-dir", data, timeout=60)
            if message is None:  # month candles from a 1m replay: accepted, nothing closes in a second
                assert r.returncode == 0, (args, r.stderr)
                continue
            assert r.returncode == 2, (args, r.stderr)
            assert message in r.stderr, (args, r.stderr)
            assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
    if (data / STORE_FILE).exists():
        con = duckdb.connect(str(data / STORE_FILE), read_only=True)
        assert con.execute("SELECT count(*) FROM klines").fetchone() == (0,)


def test_second_recorder_on_the_same_store_is_refused(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with exchange_process("--replay", *VISION_ZIPS, "--speed", "600") as ex:
        import subprocess
        import sys

        first = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "tuichart",
                "record",
                "BTCUSDT",
                "--duration",
                "6",
                "--exchange",
                ex.url,
                "--data-dir",
                str(data),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            import time

            deadline = time.monotonic() + 20
            while not (data / STORE_FILE).exists() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(0.5)
            second = tuichart("record", "BTCUSDT", "--duration", "1", "--exchange", ex.url, "--data-dir", data)
        finally:
            out, err = first.communicate(timeout=60)
    assert second.returncode == 2 and "is in use by another process (PID" in second.stderr
    assert first.returncode == 0, err
    assert "closed candles recorded" in out
