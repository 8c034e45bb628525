"""Shared fixtures: where the real Binance samples live (never copied into the repo)."""

from __future__ import annotations

from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "binance-samples"
VISION_DIR = SAMPLES / "data_vision_klines"
VISION_ZIPS = sorted(VISION_DIR.glob("*.zip"))


@pytest.fixture(scope="session")
def samples() -> Path:
    """The shared samples directory; a missing copy fails loudly instead of skipping."""
    assert SAMPLES.is_dir(), f"the shared Binance samples are expected at {SAMPLES}"
    return SAMPLES
