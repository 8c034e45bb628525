"""What each subcommand does: build settings, open the store, call a service, print a summary."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path

from tuichart.cli.demo import command_settings
from tuichart.cli.output import result, say, write
from tuichart.config import load_settings
from tuichart.domain import Interval, SeriesKey, normalize_symbol
from tuichart.errors import BadInput
from tuichart.plural import plural
from tuichart.store import Store
from tuichart.timeparse import parse_time


def cmd_import(args: argparse.Namespace) -> int:
    """`tuichart import FILE|DIR ...`."""
    from tuichart.cli.progress import progress_bar  # each command imports what it uses
    from tuichart.jobs.importer import import_files, prepare_import

    settings = load_settings(args.data_dir, args.exchange)
    paths = [Path(p) for p in args.paths]
    symbol = normalize_symbol(args.symbol) if args.symbol else None
    interval = Interval.parse(args.interval) if args.interval else None
    with progress_bar() as progress:
        files, verified = prepare_import(paths, progress, symbol=symbol, interval=interval)
        with Store.open(settings.data_dir, fallback=False) as store:
            report = import_files(store, files, verified, progress)
            if report.failed and not report.files:  # raised inside, so a store this run created is removed
                raise BadInput(f"not imported: {_failures(report.failed)}; nothing was imported")
    checked = f", {plural(report.verified, 'checksum')} verified" if report.verified else ""
    if report.failed:
        candles = ", ".join(plural(n, f"{key} candle") for key, n in report.rows.items())
        raise BadInput(
            f"imported {plural(report.files, 'file')} ({candles}) into {settings.data_dir}{checked}; "
            f"not imported: {_failures(report.failed)}"
        )
    for key, n in report.rows.items():
        result(f"imported {plural(n, f'{key} candle')}")
    result(f"{plural(report.files, 'file')} into {settings.data_dir}{checked}")
    return 0


def _failures(failed: Sequence[tuple[str, str]]) -> str:
    return "; ".join(f"{name}: {reason}" for name, reason in failed)


def cmd_export(args: argparse.Namespace) -> int:
    """`tuichart export SYMBOL -i INTERVAL ...`."""
    from tuichart.cli.attach import reading_store
    from tuichart.cli.checks import output_dir, output_file, time_range
    from tuichart.cli.progress import progress_bar
    from tuichart.jobs.exporter import export_partitioned, export_series, indicator_columns
    from tuichart.store.queries import missing_indicator_rows

    settings = load_settings(args.data_dir, args.exchange)
    key = SeriesKey(normalize_symbol(args.symbol), Interval.parse(args.interval))
    since, until = time_range(args.since, args.until)
    if args.partitioned is None and args.output is None:
        raise BadInput("say where to write: -o PATH (or --partitioned DIR)")
    if args.output == "-" and args.format != "csv":
        raise BadInput("only csv can go to stdout; give -o PATH for parquet or json")
    if args.partitioned is not None:
        output_dir(args.partitioned, "--partitioned")
    elif args.output != "-":
        output_file(args.output)
    columns = indicator_columns(args.indicators) if args.indicators else ()
    with reading_store(settings.data_dir) as store:
        if columns and (missing := missing_indicator_rows(store, key, since, until)):
            say(
                f"note: {plural(missing, f'{key} candle')} {'has' if missing == 1 else 'have'} no stored indicators "
                "(empty cells); "
                f"`tuichart indicators rebuild {key.symbol} -i {key.interval.value}` computes them"
            )
        if args.partitioned is not None:
            n = export_partitioned(store, key, Path(args.partitioned), since, until, indicators=columns)
            result(f"exported {plural(n, f'{key} candle')} to {args.partitioned} (hive-partitioned Parquet)")
            return 0
        if args.output == "-":
            n = _export_stdout(store, key, since, until, columns)
        else:
            with progress_bar() as progress:
                n = export_series(
                    store,
                    key,
                    args.format,
                    Path(args.output),
                    since,
                    until,
                    indicators=columns,
                    progress=progress,
                )
            result(f"exported {plural(n, f'{key} candle')} to {args.output}")
    return 0


def _export_stdout(
    store: Store, key: SeriesKey, since: int | None, until: int | None, indicators: Sequence[str]
) -> int:
    import tempfile

    from tuichart.jobs.exporter import export_series

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "export.csv"
        n = export_series(store, key, "csv", out, since, until, indicators=indicators)
        write(out.read_text())
    return n


def cmd_exchange(args: argparse.Namespace) -> int:
    """`tuichart exchange ...`: serve until Ctrl-C."""
    import asyncio

    from tuichart.exchange import run_exchange

    if sum(map(bool, (args.replay, args.synthetic, args.synthetic_market is not None))) > 1:
        raise BadInput("choose one of --replay, --synthetic and --synthetic-market")
    if args.synthetic_market is not None and args.synthetic_market < 1:
        raise BadInput("--synthetic-market needs at least 1 symbol")
    if not args.replay and not args.synthetic:
        args.synthetic = ["BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "DOGEUSDT"]
    replay = [Path(p) for p in args.replay]
    for p in replay:
        if not p.exists():
            raise BadInput(f"{p}: no such file")
    if args.speed <= 0:
        raise BadInput("--speed must be above 0")
    if args.weight_limit < 1:
        raise BadInput("--weight-limit must be at least 1")
    if not 0 <= args.latency <= 60_000:
        raise BadInput("--latency must be from 0 to 60000 ms")
    start = parse_time(args.start) if args.start else None
    symbols = [normalize_symbol(s) for s in args.synthetic]
    try:
        asyncio.run(
            run_exchange(
                args.host,
                args.port,
                replay,
                args.synthetic_market if args.synthetic_market is not None else symbols,
                args.speed,
                args.seed,
                args.faults,
                result,
                start_ms=start,
                weight_limit=args.weight_limit,
                latency=args.latency / 1000,
            )
        )
    except OSError as exc:
        raise BadInput(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from None
    return 0


def cmd_backfill(args: argparse.Namespace) -> int:
    """`tuichart backfill SYMBOL ... -i INTERVAL --since DATE [--until DATE]`."""
    from tuichart.cli.backfill_command import backfill
    from tuichart.cli.checks import time_range

    settings = load_settings(args.data_dir, args.exchange)
    interval = Interval.parse(args.interval)
    since, until = time_range(args.since, args.until)
    assert since is not None  # --since is required
    symbols = [normalize_symbol(s) for s in args.symbols]
    code: int = backfill(settings, symbols, interval, since, until)
    return code


def cmd_record(args: argparse.Namespace) -> int:
    """`tuichart record SYMBOL ... -i INTERVAL [--duration S]`."""
    from tuichart.cli.record_command import record
    from tuichart.cli.record_market import MarketChoice

    max_backfill = _max_backfill(args.max_backfill)
    settings, _ = command_settings(args)
    intervals = list(dict.fromkeys(Interval.parse(text.strip()) for text in args.interval.split(",") if text.strip()))
    if not intervals:
        raise BadInput("-i needs an interval, e.g. -i 1m or -i 1m,1h")
    if args.all == bool(args.symbols):
        raise BadInput("name the symbols to record, or --all (every TRADING symbol of the --quote assets)")
    if args.relist_every <= 0:
        raise BadInput("--relist-every must be above 0 seconds")
    market = None
    if args.all:
        quotes = [q.strip().upper() for q in args.quote.split(",") if q.strip()]
        market = MarketChoice(quotes, args.relist_every)
    symbols = [normalize_symbol(s) for s in args.symbols]
    if not 0 <= args.serve_port <= 65535:
        raise BadInput(f"--serve-port {args.serve_port}: give a port from 1 to 65535 (0: a free one)")
    serve = None if args.no_serve else args.serve_port
    code: int = record(
        settings,
        symbols,
        intervals,
        args.duration,
        demo=args.demo,
        max_backfill=max_backfill,
        market=market,
        serve=serve,
    )
    return code


def _max_backfill(text: str | None) -> int:
    """`--max-backfill N`: a whole number of candles, at least 1."""
    from tuichart.engine.durable import DEFAULT_MAX_BACKFILL

    if text is None:
        return DEFAULT_MAX_BACKFILL
    if not text.isdigit() or int(text) < 1:
        raise BadInput(f"--max-backfill {text!r}: give a whole number of candles of at least 1, e.g. 10000")
    return int(text)


def cmd_check(args: argparse.Namespace) -> int:
    """`tuichart check SYMBOL ... -i INTERVAL [--since DATE] [--until DATE] [--repair]`."""
    from tuichart.cli.check_command import run_check

    return run_check(args)


def cmd_indicators(args: argparse.Namespace) -> int:
    """`tuichart indicators rebuild|list`."""
    from tuichart.cli.progress import progress_bar
    from tuichart.jobs.indicator_rebuild import rebuild

    if args.action == "list":
        for line in registry_lines():
            result(line)
        return 0
    settings = load_settings(args.data_dir, args.exchange)
    interval = Interval.parse(args.interval) if args.interval else None
    symbols = {normalize_symbol(s) for s in args.symbols}
    with Store.open(settings.data_dir, fallback=False) as store:
        keys = [
            s.key
            for s in store.series()
            if (not symbols or s.key.symbol in symbols) and (interval is None or s.key.interval == interval)
        ]
        if not keys:
            raise BadInput("the store holds no candles of those series; import, backfill or record first")
        with progress_bar() as progress:
            written = rebuild(store, dict.fromkeys(keys), progress)
    for key, n in written.items():
        result(f"{key}: {plural(n, 'indicator row')}")
    return 0


def registry_lines() -> list[str]:
    """One line per indicator: name, what it computes, parameters with defaults, output columns."""
    from tuichart.indicators import REGISTRY, make_study

    lines = [f"{'name':<6} {'label':<6} {'parameters (defaults)':<42} {'drawn':<14} columns"]
    for kind, ind in REGISTRY.items():
        study = make_study(kind)
        params = ", ".join(f"{p.name}={v:g}" for p, v in zip(ind.params, study.values, strict=True)) or "-"
        where = "on the candles" if ind.overlay else "own pane"
        lines.append(f"{kind:<6} {ind.title:<6} {params:<42} {where:<14} {', '.join(study.columns)}")
    return lines


def cmd_web(args: argparse.Namespace) -> int:
    """`tuichart web [SYMBOL] [-i INTERVAL]`."""
    from tuichart.cli.web_command import run_web

    return run_web(args)


def cmd_store(args: argparse.Namespace) -> int:
    """`tuichart store check`."""
    from tuichart.cli.store_command import run_store

    return run_store(args)


def cmd_scan(args: argparse.Namespace) -> int:
    """`tuichart scan [--quote Q] [-i INTERVAL] [--where C] [--sort COL] [--top N] [--format F]`."""
    from tuichart.cli.scan_command import run_scan

    return run_scan(args)


def cmd_alerts(args: argparse.Namespace) -> int:
    """`tuichart alerts add|list|remove|fired`."""
    from tuichart.cli.alerts_command import run_alerts

    return run_alerts(args)


_COMMANDS = {
    "import": cmd_import,
    "export": cmd_export,
    "exchange": cmd_exchange,
    "backfill": cmd_backfill,
    "record": cmd_record,
    "check": cmd_check,
    "indicators": cmd_indicators,
    "web": cmd_web,
    "alerts": cmd_alerts,
    "store": cmd_store,
    "scan": cmd_scan,
}


def run_command(args: argparse.Namespace, argv: Sequence[str] = ()) -> int:
    """Run the parsed subcommand (`argv`: its command line, for a recorder to run a read command on its store)."""
    from tuichart.cli.attach import HeldByRecorder, run_in_recorder

    try:
        return _COMMANDS[args.command](args)
    except HeldByRecorder as held:
        return run_in_recorder(held.recorder, argv)


def run_app(args: argparse.Namespace) -> int:
    """`tuichart [SYMBOL ...]`: the terminal app (recording closed candles while it runs)."""
    from tuichart.cli.app_command import run_terminal_app

    return run_terminal_app(args)
