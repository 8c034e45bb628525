"""The rotating log file; nothing is logged to the screen."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from tuichart.config import log_dir


def setup_logging(level: str, directory: Path | None = None) -> Path | None:
    """Log to `tuichart.log` (rotating, 5 x 2 MB) in the platform log dir; None when it cannot be written."""
    directory = directory or log_dir()
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(directory / "tuichart.log", maxBytes=2_000_000, backupCount=5)
    except OSError:
        logging.getLogger().addHandler(logging.NullHandler())
        return None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(max(logging.WARNING, root.level))  # one line per request is noise
    return directory / "tuichart.log"
