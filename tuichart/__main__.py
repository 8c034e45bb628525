"""`python -m tuichart` and the `tuichart` script."""

import sys

from tuichart.startup import pause_collector, resume_collector


def main() -> int:
    """Run the command line, started with the collector paused (see `startup`); returns the exit code."""
    pause_collector()
    try:
        from tuichart.cli import main as run

        return run()
    finally:
        resume_collector()


if __name__ == "__main__":
    sys.exit(main())
