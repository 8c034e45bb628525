"""Settings of a command run with or without `--demo`: the demo keeps its own config beside its own store."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from tuichart.config import Settings, config_path, demo_dir, load_settings


def command_settings(args: argparse.Namespace) -> tuple[Settings, Path]:
    """The settings and the config file the command reads and writes; `--demo` never touches the user's."""
    if getattr(args, "demo", False):
        home = demo_dir(args.data_dir)
        # for the whole process, so every reader of the config (and every message about it) uses the demo's file
        os.environ["TUICHART_CONFIG"] = str(home / "config.toml")
        return load_settings(str(home), None), config_path()
    return load_settings(args.data_dir, args.exchange), config_path()
