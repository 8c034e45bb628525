"""`tuichart [SYMBOL ...]`: check the arguments, open the store, run the Textual app."""

from __future__ import annotations

import argparse
import os
import sys

from tuichart.cli.attach import prefetch_history, running_recorder
from tuichart.cli.checks import check_on_exchange
from tuichart.cli.demo import command_settings
from tuichart.cli.overlap import while_importing_the_ui
from tuichart.config import Settings, state_dir
from tuichart.domain import Interval, SeriesKey, normalize_symbol
from tuichart.engine.endpoints import DemoMarket
from tuichart.engine.history import CHART_CANDLES
from tuichart.errors import BadInput
from tuichart.relay.discovery import Recorder
from tuichart.store import Store
from tuichart.web.security import kept_token


def run_terminal_app(args: argparse.Namespace) -> int:
    """Validate, then run the app until the user quits; returns the exit code."""
    settings, config_file = command_settings(args)
    interval = Interval.parse(args.interval or settings.interval)
    symbols = [normalize_symbol(s) for s in (args.symbols or settings.watchlist)]
    if args.fps <= 0 or args.fps > 60:
        raise BadInput("--fps must be between 0 and 60")
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise BadInput("the app needs a terminal; for headless use try `tuichart record` (see --help)")
    if args.no_color:
        os.environ["NO_COLOR"] = "1"
    _size_from_the_terminal()
    recorder = running_recorder(settings.data_dir)
    if recorder is not None:  # it holds the store and the exchange's streams: this session goes through it
        settings.exchange = recorder.url
    demo = DemoMarket() if args.demo and recorder is None else None
    typed = [] if demo else symbols if args.symbols else symbols[:1] if args.interval else []
    store = while_importing_the_ui(lambda: _checked_store(settings, typed, interval, recorder, symbols[:1]))
    from tuichart.tui import AppOptions, make_app

    options = AppOptions(
        symbols=symbols,
        interval=interval,
        exchange=settings.exchange,
        demo=demo,
        fps=args.fps,
        color=not (args.no_color or os.environ.get("NO_COLOR")),
        studies=settings.indicators,
        hidden_panes=settings.hidden_panes,
        watchlist_rsi=settings.watchlist_rsi,
        network=settings.network,
        data_dir=settings.data_dir,
        config_file=config_file,
        popout_port=settings.popout_port,
        alerts=settings.alerts,
        notify=settings.notify,
        recorder=recorder.url if recorder is not None else None,
        label=recorder.exchange if recorder is not None else None,
        # on a fixed port a page reconnects after a restart, so the token is kept (private) between runs
        popout_token=kept_token(state_dir() / "popout-token") if settings.popout_port else None,
    )
    try:
        code = make_app(options, store).run()
    finally:
        store.close()
    return code or 0


def _checked_store(
    settings: Settings, typed: list[str], interval: Interval, recorder: Recorder | None, first: list[str]
) -> Store:
    """The typed symbols checked on the exchange (the config's list is not), then the store, memory bounded;
    attached to a `recorder`: a store in memory (the file is the recorder's) holding the `first` chart's candles."""
    if typed:
        check_on_exchange(settings, typed, interval)
    store = Store.open(None if recorder is not None else settings.data_dir)
    if recorder is not None and first:
        prefetch_history(store, recorder, SeriesKey(first[0], interval), CHART_CANDLES)
    store.bound_memory()  # the app records every closed candle of its watchlist, as `record` does, for hours
    return store


def _size_from_the_terminal() -> None:
    """Drop an exported COLUMNS/LINES: they would pin the app to that size (often 80 x 24) across resizes."""
    for name in ("COLUMNS", "LINES"):  # the terminal itself answers; every size query in Textual reads these first
        os.environ.pop(name, None)
