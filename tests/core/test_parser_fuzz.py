"""The frame parser never raises: 100,000+ frames mutated from the real capture, as text and as bytes."""

from __future__ import annotations

import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.core.test_protocol import capture_frames
from tuichart.binance.protocol import FrameParser

FRAMES = capture_frames()
KLINES = [f for f in FRAMES if "@kline_" in f]
BATCH = 100  # frames per example: 1,000 examples make 100,000 frames
JUNK = [None, True, [], {}, [1], {"x": 1}, "", "\xff", -1, 1e400, 2**70, "NaN", "1e9999", "-0.1", "nan"]


def _walk(value: object, rng: random.Random) -> object:
    """The JSON value with one leaf or container swapped, dropped or retyped."""
    if isinstance(value, dict) and value:
        key = rng.choice(list(value))
        out = dict(value)
        roll = rng.random()
        if roll < 0.15:
            del out[key]
        elif roll < 0.3:
            out[key] = rng.choice(JUNK)
        else:
            out[key] = _walk(out[key], rng)
        return out
    if isinstance(value, list) and value:
        out_list = list(value)
        i = rng.randrange(len(out_list))
        out_list[i] = _walk(out_list[i], rng) if rng.random() < 0.7 else rng.choice(JUNK)
        return out_list
    return rng.choice([*JUNK, value])


def _mutate(frame: str, rng: random.Random) -> str | bytes:
    """One hostile variant of a real frame: structural, textual or byte-level."""
    kind = rng.randrange(6)
    if kind == 0:
        return json.dumps(_walk(json.loads(frame), rng))
    if kind == 1:  # truncated
        return frame[: rng.randrange(len(frame))]
    if kind == 2:  # characters replaced
        chars = list(frame)
        for _ in range(rng.randint(1, 4)):
            chars[rng.randrange(len(chars))] = chr(rng.choice([0, 0x22, 0x5C, 0x7B, 0x7D, 0xFF, 0xD800 % 0xFFFF]))
        return "".join(chars)
    raw = bytearray(frame.encode())
    if kind == 3:  # bytes flipped: invalid UTF-8 and broken JSON
        for _ in range(rng.randint(1, 4)):
            raw[rng.randrange(len(raw))] = rng.randrange(256)
        return bytes(raw)
    if kind == 4:  # a binary frame whose data is not text
        return b'{"stream":"btcusdt@kline_1m","data":"' + bytes(rng.randrange(256) for _ in range(8)) + b'"}'
    wrapped = json.loads(frame)
    wrapped["data"] = _walk(wrapped.get("data"), rng)
    return json.dumps(wrapped).encode()


@settings(max_examples=1_000, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1))
def test_mutated_frames_never_raise_and_are_counted(seed: int) -> None:
    rng = random.Random(seed)
    parser = FrameParser()
    for _ in range(BATCH):
        source = rng.choice(KLINES if rng.random() < 0.6 else FRAMES)
        frame = _mutate(source, rng)
        dropped = parser.malformed + parser.ignored
        events = parser.parse(frame)  # raising here fails the test
        # each frame gives events, or is counted once: ignored (another stream) or malformed
        assert (parser.malformed + parser.ignored) - dropped == (0 if events else 1), frame


def test_named_hostile_frames() -> None:
    parser = FrameParser()
    hostile: list[str | bytes] = [
        '{"data":{"e":[1]}}',
        b'{"data":"\xff"}',
        b"\xff\xfe",
        '{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT","k":null}}',
        '{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT","k":{"t":"x"}}}',
        '{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT","k":{"t":0,"T":59999,"s":"BTCUSDT",'
        '"i":"7m","o":"1","c":"1","h":"1","l":"1","v":"1","n":1,"x":true,"q":"1","V":"1","Q":"1"}}}',
        '{"stream":"btcusdt@kline_1m","data":{"e":"kline","E":1,"s":"BTCUSDT","k":{"t":0,"T":59999,"s":"BTCUSDT",'
        '"i":"1m","o":"abc","c":"1","h":"1","l":"1","v":"1","n":1,"x":true,"q":"1","V":"1","Q":"1"}}}',
        "[1, 2, 3]",
        '[{"e": 1}]',
        "null",
        "",
    ]
    for frame in hostile:
        assert parser.parse(frame) == []
    assert parser.malformed == len(hostile)
