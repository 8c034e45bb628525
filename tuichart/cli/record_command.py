"""`tuichart record`: closed candles streamed into the store until Ctrl-C or --duration, then an honest summary."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from urllib.parse import urlparse

from tuichart.alerts import FiredAlert
from tuichart.alerts.rules import AlertRule
from tuichart.cli.attach import command_runner
from tuichart.cli.output import result, say
from tuichart.cli.record_market import MarketChoice, market_line, relist_forever
from tuichart.cli.record_report import BackfillBars, MarketBars, announce_resume, lacks, report_event
from tuichart.config import Settings, state_dir
from tuichart.domain import Interval, SeriesKey
from tuichart.engine.alert_runner import unwatched_rules
from tuichart.engine.builder import EngineHooks, build_engine
from tuichart.engine.durable import DEFAULT_MAX_BACKFILL
from tuichart.engine.endpoints import DemoMarket, exchange_endpoints
from tuichart.engine.engine import EngineOptions, MarketEngine
from tuichart.engine.feed import FeedEvent
from tuichart.engine.policies import rest_client
from tuichart.engine.record import RecordStats, series_summary, totals_line
from tuichart.plural import plural
from tuichart.relay.service import RecorderService
from tuichart.store import Store

EXIT_MISSING = 3  # the run ended with candles missing from the store (the summary names their ranges)
EXIT_INTERRUPTED = 130


def record(
    settings: Settings,
    symbols: list[str],
    intervals: list[Interval],
    duration: float | None,
    *,
    demo: bool,
    max_backfill: int = DEFAULT_MAX_BACKFILL,
    market: MarketChoice | None = None,
    serve: int | None = 0,
) -> int:
    """`tuichart record`: stream closed candles of `symbols` (or of the `market`) at each of `intervals` into the
    store until Ctrl-C or `duration` seconds, with alerts; serving what it holds to other sessions on port `serve`
    of 127.0.0.1 (0: a free one; None: not at all)."""
    return asyncio.run(_record(settings, symbols, intervals, duration, demo, max_backfill, market, serve))


async def _record(
    settings: Settings,
    symbols: list[str],
    intervals: list[Interval],
    duration: float | None,
    demo: bool,
    max_backfill: int,
    market: MarketChoice | None,
    serve: int | None,
) -> int:
    interval = intervals[0]
    async with (
        exchange_endpoints(settings.exchange, DemoMarket() if demo else None, symbols) as endpoints,
        rest_client(endpoints, settings.network) as rest,
    ):
        if market is not None:
            valid = market.checked(await rest.exchange_info())
        else:
            valid = await rest.validate_series(symbols, interval)
        for other in intervals[1:]:
            await rest.validate_series(valid[:1], other)
        keys = [SeriesKey(s, iv) for s in valid for iv in intervals]
        _warn_unwatched(settings.alerts, keys)
        store = Store.open(settings.data_dir, fallback=False)
        store.bound_memory()
        stats = RecordStats()
        bars = BackfillBars() if market is None else MarketBars()
        engine = build_engine(
            rest,
            store,
            # a recorder that serves streams tickers too, for the sessions attached to it; of a whole market that
            # would double the streams, so its sessions take quotes from the klines and 24 h tickers over REST
            EngineOptions(
                settings.network,
                tickers=serve is not None and market is None,
                max_backfill=max_backfill,
                backfill_progress=bars,
            ),
            rules=settings.alerts,
            notify=settings.notify,
            source="record",
            hooks=EngineHooks(
                say=say,
                on_fired=lambda alert: fired(alert),
                on_store_error=lambda exc: say(
                    f"store write failed: {exc}; the candles are kept in memory and tried again"
                ),
                on_store_recovered=lambda n: say(
                    f"store writes work again: {plural(n, 'candle')} written since they failed"
                ),
                on_written=stats.note_written,
                on_delivery=_delivery_failed,
            ),
        )
        service = RecorderService(engine, settings.data_dir, state_dir(), command_runner(store), serve or 0)

        def fired(alert: FiredAlert) -> None:
            result(f"alert {alert.rule_id}: {alert.message}")
            service.fired(alert)

        if engine.dispatcher is not None:
            say(f"alerts are delivered by {', '.join(engine.dispatcher.channel_names)} too")

        def seen(ev: FeedEvent) -> None:
            stats.note(ev)
            report_event(ev, stats)

        engine.subscribe(seen)
        stop = asyncio.Event()
        relisting: asyncio.Task[None] | None = None
        try:
            await engine.start(valid, interval, intervals[1:])
            assert engine.stream is not None
            if market is None:
                for key in keys:
                    announce_resume(key, engine.resumes[key], engine.started_at, max_backfill)
                what = ", ".join(map(str, keys))
            else:
                assert isinstance(bars, MarketBars)
                lacking = [lacks(key, engine.resumes[key], engine.started_at) for key in engine.keys]
                bars.expect(sum(1 for n in lacking if n), sum(lacking))
                what = market_line(market, valid, intervals)
                relisting = asyncio.ensure_future(relist_forever(engine, market))
            if serve is not None:
                await _serve(service)
            on = len(engine.stream.connections)
            say(
                f"recording {what} from {endpoints.name} into {settings.data_dir} "
                + (f"on {plural(on, 'connection')} " if on > 1 else "")
                + (f"for {duration:g} s" if duration else "until Ctrl-C")
            )
            _stop_on_ctrl_c(stop)
            await engine.run(duration=duration, stop=stop)
        finally:
            await service.stop()
            if relisting is not None:
                relisting.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await relisting
            try:
                await engine.finish()
            finally:  # a second Ctrl-C cuts the last backfill short, never the writes
                bars.close()
                await engine.close()
                store.close()
        return _summary(engine, stats, stop, brief=market is not None)


async def _serve(service: RecorderService) -> None:
    """Serve other sessions, or say why not (a port in use, an unwritable state dir): the recording goes on."""
    try:
        recorder = await service.start()
    except OSError as exc:
        await service.stop()
        say(f"not serving other sessions: {exc.strerror or exc}; they cannot attach to this recorder")
        return
    where = urlparse(recorder.url).netloc
    say(f"serving {where}: tuichart, web, export, scan and alerts fired on this data dir attach to it")


def _summary(engine: MarketEngine, stats: RecordStats, stop: asyncio.Event, *, brief: bool) -> int:
    """The run's summary lines (`brief`: only each series' problems); the exit code says whether candles are missing
    or the run was interrupted."""
    feed, stream, writer = engine.feed, engine.stream, engine.series.writer
    assert feed is not None and stream is not None and writer is not None
    keys = engine.keys  # a symbol delisted meanwhile is not held to candles it can no longer have
    missing = {key: engine.durable.missing(key, feed.settled(key)) for key in keys} if engine.durable else {}
    if not feed.clock:
        missing = {}
    for line in series_summary(stats, keys, missing, brief=brief):
        result(line)
    result(totals_line(stats, feed.filled, missing))
    refused = [
        plural(feed.rejected, "unsound kline") + " refused" if feed.rejected else "",
        plural(stream.parser.malformed, "malformed frame") + " dropped" if stream.parser.malformed else "",
    ]
    if any(refused):
        result(", ".join(r for r in refused if r) + " (nothing of them was stored; see the log)")
    if engine.series.alerts is not None:
        result(f"{plural(engine.fired, 'alert')} fired")
    if writer.unwritten:
        result(f"{plural(writer.unwritten, 'closed candle')} could not be written to the store (see the log)")
    if writer.unwritten or any(missing.values()):
        say("candles are missing (see the summary): record again or run `tuichart backfill` to fetch them")
        return EXIT_MISSING
    if stop.is_set():
        say("tuichart: interrupted; everything written so far is kept")
        return EXIT_INTERRUPTED
    return 0


def _stop_on_ctrl_c(stop: asyncio.Event) -> None:
    """The first Ctrl-C ends the run as `--duration` does (a last backfill, the summary); a second one quits."""
    loop = asyncio.get_running_loop()

    def interrupted() -> None:
        stop.set()
        loop.remove_signal_handler(signal.SIGINT)
        say("stopping: a last backfill, then the summary (Ctrl-C again quits at once)")

    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # no signals off the main thread
        loop.add_signal_handler(signal.SIGINT, interrupted)


def _delivery_failed(channel: str, alert: FiredAlert, error: str | None) -> None:
    if error is not None:
        say(f"alert {alert.rule_id} via {channel} failed: {error}")


def _warn_unwatched(rules: list[AlertRule], keys: list[SeriesKey]) -> None:
    """A warning per alert rule whose series is not recorded (it will never be evaluated)."""
    for line in unwatched_rules(rules, keys):
        say(line)
