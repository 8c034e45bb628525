"""A series' durable progress over a real store and writer: committed candles with no hole before them."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.data_paths import VISION_ZIPS
from tuichart.binance.vision import read_kline_file
from tuichart.domain import Candle, Gap, Interval, SeriesKey
from tuichart.engine.durable import DurableProgress, resume_point
from tuichart.store import Store, StoreWriter

KEY = SeriesKey("BTCUSDT", Interval.M1)


@pytest.fixture(scope="module")
def day() -> list[Candle]:
    return read_kline_file(VISION_ZIPS[0])


def write(writer: StoreWriter, candles: list[Candle]) -> None:
    for c in candles:
        writer.put(KEY, c)
    assert writer.flush(timeout=10)


def test_a_close_after_a_hole_is_stored_but_does_not_move_the_progress(tmp_path: Path, day: list[Candle]) -> None:
    progress = DurableProgress()
    progress.begin(KEY, day[9].open_time)
    with Store.open(tmp_path) as store:
        writer = StoreWriter(store, max_delay=0.01, on_written=progress.committed)
        write(writer, day[10:14])
        assert progress(KEY) == day[13].open_time
        write(writer, day[20:25])  # live closes after six candles that never came
        assert store.count(KEY) == 9 and store.last_open_time(KEY) == day[24].open_time
        assert progress(KEY) == day[13].open_time, "a close past a hole moved the progress past it"
        assert progress.has(KEY, day[22].open_time) and not progress.has(KEY, day[16].open_time)
        assert progress.missing(KEY, day[26].open_time) == [
            Gap(KEY, day[14].open_time, day[19].open_time, 6),
            Gap(KEY, day[25].open_time, day[26].open_time, 2),
        ]
        write(writer, day[14:17])  # part of the hole filled
        assert progress(KEY) == day[16].open_time
        write(writer, day[17:20])
        assert progress(KEY) == day[24].open_time, "the filled hole lets the progress reach the newest candle"
        assert progress.missing(KEY, day[24].open_time) == []
        writer.close()


def test_only_committed_candles_count(tmp_path: Path, day: list[Candle]) -> None:
    progress = DurableProgress()
    progress.begin(KEY, day[9].open_time)
    with Store.open(tmp_path) as store:
        writer = StoreWriter(store, max_delay=60.0, on_written=progress.committed)  # nothing written before a flush
        for c in day[10:15]:
            writer.put(KEY, c)
        assert progress(KEY) == day[9].open_time and store.count(KEY) == 0
        assert writer.flush(timeout=10)
        assert progress(KEY) == day[14].open_time and store.count(KEY) == 5
        writer.close()


def test_a_gap_the_exchange_has_is_no_hole(day: list[Candle]) -> None:
    progress = DurableProgress()
    progress.begin(KEY, day[9].open_time)
    progress.committed(KEY, [c.open_time for c in day[10:12] + day[15:18]])
    assert progress(KEY) == day[11].open_time
    progress.absent(Gap(KEY, day[12].open_time, day[14].open_time, 3))
    assert progress(KEY) == day[17].open_time and progress.missing(KEY, day[17].open_time) == []


def test_resume_point_is_the_candle_before_the_first_hole(tmp_path: Path, day: list[Candle]) -> None:
    now = day[200].open_time + 30_000  # candle 200 is forming
    with Store.open(tmp_path) as store:
        assert resume_point(store, KEY, now, 1000).progress == day[199].open_time  # nothing stored: from now on
        store.upsert(KEY, day[0:50] + day[60:70] + day[80:100])
        store.record_exchange_gap(Gap(KEY, day[50].open_time, day[59].open_time, 10), now)  # the exchange's own
        resume = resume_point(store, KEY, now, 1000)
        assert resume.progress == day[69].open_time and resume.beyond_limit is None
        assert resume.committed == [c.open_time for c in day[80:100]]

        tracked = DurableProgress()
        tracked.begin(KEY, resume.progress, resume.committed)
        assert tracked.missing(KEY, day[199].open_time) == [
            Gap(KEY, day[70].open_time, day[79].open_time, 10),
            Gap(KEY, day[100].open_time, day[199].open_time, 100),
        ]

        limited = resume_point(store, KEY, now, 50)  # candles 150..199 only: the store stops before them
        assert limited.progress == day[149].open_time and limited.committed == []
        assert limited.beyond_limit == Gap(KEY, day[100].open_time, day[149].open_time, 50)

        store.upsert(KEY, day[70:80] + day[100:200])
        assert resume_point(store, KEY, now, 1000).progress == day[199].open_time
