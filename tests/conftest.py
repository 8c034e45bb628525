"""Shared fixtures: the repository's Binance data is whole, and no test reads the user's config file."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.data_paths import check_fixtures


@pytest.fixture(autouse=True, scope="session")
def fixture_files_present() -> None:
    """A missing or altered file under tests/data/binance fails every test naming it, before any CLI sees it."""
    check_fixtures()


@pytest.fixture(autouse=True, scope="session")
def no_user_config(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests and the CLIs they start never read the user's config file: its alert rules and delivery channels
    would fire for real. A test that needs a config points TUICHART_CONFIG at its own."""
    saved = {name: os.environ.get(name) for name in ("TUICHART_CONFIG", "XDG_STATE_HOME")}
    os.environ["TUICHART_CONFIG"] = str(tmp_path_factory.mktemp("no-user-config") / "config.toml")
    # the recorders tests start name themselves in the state directory: never in the user's
    os.environ["XDG_STATE_HOME"] = str(tmp_path_factory.mktemp("state"))
    yield
    for name, before in saved.items():
        if before is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = before
