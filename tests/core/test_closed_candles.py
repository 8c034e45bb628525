"""Closed candles held as numbers: every read equals the candle put in (bar its decimal text), in a tenth of the
memory, whatever mix of appends, trims, revisions and older pages a series goes through."""

from __future__ import annotations

import gc
import random
import tracemalloc

import msgspec
import numpy as np
import pytest

from tests.indicators.data import vision_candles
from tuichart import closed_candles
from tuichart.closed_candles import ClosedCandles
from tuichart.domain import CANDLE_FIELDS, Candle, revalued


def test_real_candles_read_back_as_they_went_in_without_their_text() -> None:
    candles = vision_candles()
    held = ClosedCandles(reversed(candles))  # any order in: oldest first out
    assert len(held) == len(candles) and list(held) == candles
    assert held[0] == candles[0] and held[-1] == candles[-1] and held[-len(candles)] == candles[0]
    assert held[100:110] == candles[100:110] and held[::997] == candles[::997] and held[-3:] == candles[-3:]
    one = held[1234]
    assert one.exact is None and candles[1234].exact is not None
    assert [type(getattr(one, f)) for f in CANDLE_FIELDS] == [type(getattr(candles[1234], f)) for f in CANDLE_FIELDS]
    assert held.last_open == candles[-1].open_time and isinstance(held.last_open, int)
    assert held.open_times().tolist() == [c.open_time for c in candles]
    assert held.position(candles[500].open_time) == 500 and held.position(candles[500].open_time + 1) == 501
    for name, column in held.ohlcv().items():
        assert column.flags.c_contiguous and column.tolist() == [getattr(c, name) for c in candles], name
    assert held.column("trades", 10, 13).tolist() == [c.trades for c in candles[10:13]]
    with pytest.raises(IndexError):
        held[len(candles)]
    with pytest.raises(IndexError):
        held[-len(candles) - 1]
    assert ClosedCandles().last_open is None and list(ClosedCandles()) == [] and ClosedCandles()[:5] == []


def test_any_mix_of_changes_holds_what_a_list_would() -> None:
    candles = vision_candles()[:3000]
    at = {c.open_time: i for i, c in enumerate(candles)}
    rng = random.Random(5)
    held, model = ClosedCandles(candles[1000:1010]), list(candles[1000:1010])
    newest = 1010
    for step in range(3000):
        op = rng.random()
        if op < 0.5 and newest < len(candles):
            held.append(candles[newest])
            model.append(candles[newest])
            newest += 1
        elif op < 0.6 and newest < len(candles):
            page = candles[newest : newest + rng.randint(0, 40)]
            held.extend(page)
            model.extend(page)
            newest += len(page)
        elif op < 0.75 and model:
            keep = rng.randint(0, len(model) + 5)
            held.drop_older(keep)
            del model[: max(0, len(model) - keep)]
        elif op < 0.85 and model:  # a revision, by index from either end
            i = rng.randrange(len(model))
            model[i] = revalued(model[i], close=model[i].close + step)
            held[i - len(model) if rng.random() < 0.5 else i] = model[i]
        elif op < 0.9 and len(model) > 2:  # a late candle between two held ones
            i = rng.randrange(1, len(model))
            late = msgspec.structs.replace(model[i], open_time=(model[i - 1].open_time + model[i].open_time) // 2)
            held.insert(i, late)
            model.insert(i, late)
        elif model and model[0].open_time in at:  # an older page
            first = at[model[0].open_time]
            page = candles[max(0, first - rng.randint(1, 30)) : first]
            held.prepend(page)
            model[:0] = page
        assert len(held) == len(model)
        if step % 50 == 0 or step > 2990:
            assert list(held) == model and held.last_open == (model[-1].open_time if model else None)
            assert held.open_times().tolist() == [c.open_time for c in model]


def test_a_trimmed_series_holds_a_fifth_of_its_candles_as_objects() -> None:
    candles = [own(c) for c in vision_candles()]
    gc.collect()
    tracemalloc.start()
    start = tracemalloc.get_traced_memory()[0]
    as_objects = [own(c) for c in candles[:500]]
    objects = tracemalloc.get_traced_memory()[0] - start
    del as_objects
    held = ClosedCandles(candles[:1])
    held.extend(candles[1:1500])  # a recorder's track: a backfilled page, trimmed
    held.drop_older(500)
    for c in candles[1500:1600]:  # then one close at a time, the oldest going
        held.append(c)
        held.drop_older(500)
    # what the module itself holds (a tuple's free list would count too, and is the interpreter's, not a series')
    kept = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(True, closed_candles.__file__)])
    tracemalloc.stop()
    assert list(held) == candles[1100:1600]
    size = sum(stat.size for stat in kept.statistics("filename"))
    assert 500 * 88 <= size < 500 * 120 and objects > 500 * 400, (size, objects)


def test_rows_keep_every_digit_a_double_holds() -> None:
    awkward = Candle(
        2**52, 0.1 + 0.2, 1e308, 5e-324, np.nextafter(1.0, 2.0), 123456789.12345678, 2**53, 1e-8, 2**62, 0.0, -0.0
    )
    (back,) = ClosedCandles([awkward])
    assert back.numbers() == awkward.numbers() and back.trades == 2**62 and back.close == np.nextafter(1.0, 2.0)


def own(candle: Candle) -> Candle:
    """The candle with number objects of its own (as parsed ones have), not shared with another."""
    return Candle(*(v + 0 for v in candle.numbers()))  # type: ignore[arg-type]
