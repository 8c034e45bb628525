"""Shared fixtures: where the real Binance samples live (never copied into the repo)."""

from __future__ import annotations

import os
from collections.abc import Iterator
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


@pytest.fixture(autouse=True, scope="session")
def no_user_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests and the CLIs they start never read the user's config file: its alert rules and delivery channels
    would fire for real. A test that needs a config points TUICHART_CONFIG at its own."""
    before = os.environ.get("TUICHART_CONFIG")
    os.environ["TUICHART_CONFIG"] = str(tmp_path_factory.mktemp("no-user-config") / "config.toml")
    yield
    if before is None:
        os.environ.pop("TUICHART_CONFIG", None)
    else:
        os.environ["TUICHART_CONFIG"] = before
