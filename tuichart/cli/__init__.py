"""`tuichart` command line: parse, run, turn errors into one line and an exit code."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

from tuichart.cli.commands import run_app, run_command
from tuichart.cli.logs import setup_logging
from tuichart.cli.parser import COMMANDS, app_parser, command_parser
from tuichart.cli.progress import stderr
from tuichart.errors import TuichartError
from tuichart.startup import resume_collector

log = logging.getLogger("tuichart")


def _descending_sort(args: list[str]) -> list[str]:
    """`--sort -change` as `--sort=-change`: argparse would take `-change` for an option."""
    out: list[str] = []
    for arg in args:
        if out and out[-1] == "--sort" and arg.startswith("-") and arg[1:2].isalpha():
            out[-1] = f"--sort={arg}"
        else:
            out.append(arg)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `tuichart` script; returns the exit code (0 ok, 2 bad input, 1 unexpected)."""
    args_list = _descending_sort(list(sys.argv[1:] if argv is None else argv))
    is_command = bool(args_list) and args_list[0] in COMMANDS
    parser = command_parser() if is_command else app_parser()
    args = parser.parse_args(args_list)
    log_file = setup_logging(args.log_level)
    try:
        if is_command:
            resume_collector()  # the app resumes it once mounted
            return run_command(args, args_list)
        return run_app(args)
    except TuichartError as exc:
        stderr().print(f"tuichart: {exc}", markup=False, soft_wrap=True)
        log.info("exit %s: %s", exc.exit_code, exc)
        return exc.exit_code
    except KeyboardInterrupt:
        stderr().print("tuichart: interrupted; everything written so far is kept", markup=False)
        return 130
    except Exception as exc:
        log.exception("unexpected error")
        where = f" (details in {log_file})" if log_file else ""
        stderr().print(
            f"tuichart: unexpected error: {exc.__class__.__name__}: {exc}{where}", markup=False, soft_wrap=True
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
