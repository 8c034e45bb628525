"""The commands that talk to an exchange: backfill, record, and the live watchlist view."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Sequence

from tuichart.alerts import Deliverer, FiredAlert
from tuichart.alerts.channels import channels_from_settings
from tuichart.alerts.dispatch import Dispatcher
from tuichart.alerts.engine import AlertEngine
from tuichart.binance.presets import resolve_exchange
from tuichart.binance.rest import RestClient, RetryPolicy
from tuichart.binance.stream import KlineStream, StreamPolicy
from tuichart.cli.output import result, say
from tuichart.cli.progress import progress_bar
from tuichart.cli.record_report import BackfillBars, announce_resume, report_event
from tuichart.config import Settings
from tuichart.domain import Interval, SeriesKey
from tuichart.engine.alert_runner import AlertRunner, unwatched_rules
from tuichart.engine.durable import DEFAULT_MAX_BACKFILL, DurableProgress, resume_point
from tuichart.engine.endpoints import DemoMarket, exchange_endpoints
from tuichart.engine.feed import FeedPolicy, MarketFeed
from tuichart.engine.indicator_book import IndicatorBook, store_history
from tuichart.engine.live_session import stream_policy
from tuichart.engine.record import Recorder, RecordStats, series_summary, totals_line
from tuichart.jobs.backfill import backfill as run_backfill
from tuichart.plural import plural
from tuichart.store import Store, StoreWriter
from tuichart.timeparse import format_time

EXIT_MISSING = 3  # the run ended with candles missing from the store (the summary names their ranges)
EXIT_INTERRUPTED = 130


def policies(settings: Settings) -> tuple[StreamPolicy, RetryPolicy, FeedPolicy]:
    """The stream, REST and feed policies from the `[network]` settings."""
    n = settings.network
    feed = FeedPolicy(grace=n.close_grace, retry_initial=n.retry_scale, retry_cap=60.0 * n.retry_scale)
    return stream_policy(n), RetryPolicy(scale=n.retry_scale), feed


def backfill(settings: Settings, symbols: list[str], interval: Interval, since: int, until: int | None) -> int:
    """`tuichart backfill`: fill the store's missing closed candles in [since, until]."""
    return asyncio.run(_backfill(settings, symbols, interval, since, until))


async def _backfill(settings: Settings, symbols: list[str], interval: Interval, since: int, until: int | None) -> int:
    endpoints = resolve_exchange(settings.exchange)
    async with RestClient(endpoints, policy=policies(settings)[1]) as rest:
        valid = await rest.validate_series(symbols, interval)
        now = await rest.server_time()
        with Store.open(settings.data_dir, fallback=False) as store, progress_bar() as progress:
            keys = [SeriesKey(s, interval) for s in valid]
            report = await run_backfill(rest, store, keys, since, until, now, progress)
    for key, n in report.written.items():
        result(f"{key}: {plural(n, 'candle')} written")
    for gap in report.exchange_gaps:
        result(f"{gap.key}: the exchange has no candles {format_time(gap.first_open)} .. {format_time(gap.last_open)}")
    return 0


def record(
    settings: Settings,
    symbols: list[str],
    interval: Interval,
    duration: float | None,
    *,
    demo: bool,
    max_backfill: int = DEFAULT_MAX_BACKFILL,
) -> int:
    """`tuichart record`: stream closed candles into the store until Ctrl-C or `duration` seconds, with alerts."""
    return asyncio.run(_record(settings, symbols, interval, duration, demo, max_backfill))


async def _record(
    settings: Settings,
    symbols: list[str],
    interval: Interval,
    duration: float | None,
    demo: bool,
    max_backfill: int,
) -> int:
    stream_policy, retry_policy, feed_policy = policies(settings)
    async with (
        exchange_endpoints(settings.exchange, DemoMarket() if demo else None, symbols) as endpoints,
        RestClient(endpoints, policy=retry_policy) as rest,
    ):
        valid = await rest.validate_series(symbols, interval)
        keys = [SeriesKey(s, interval) for s in valid]
        start = await rest.server_time()
        store = Store.open(settings.data_dir, fallback=False)
        store.bound_memory()
        progress = DurableProgress()
        for key in keys:
            resume = resume_point(store, key, start, max_backfill)
            progress.begin(key, resume.progress, resume.committed)
            announce_resume(key, resume, start, max_backfill)
        stats = RecordStats()

        def written(key: SeriesKey, open_times: Sequence[int]) -> None:
            progress.committed(key, open_times)
            stats.note_written(key, open_times)

        writer = StoreWriter(
            store,
            on_error=lambda exc: say(f"store write failed: {exc}; the candles are kept in memory and tried again"),
            on_written=written,
            on_recovered=lambda n: say(f"store writes work again: {plural(n, 'candle')} written since they failed"),
        )
        book = IndicatorBook(store_history(store))
        dispatcher = _dispatcher(settings)
        alerts = _alert_runner(settings, keys, store, writer, dispatcher)
        stream = KlineStream(endpoints.ws_base, keys, tickers=False, policy=stream_policy)
        bars = BackfillBars()
        feed = MarketFeed(rest, stream, last_closed=progress, stored=progress.has, policy=feed_policy, progress=bars)
        recorder = Recorder(writer, store, progress, stats, book=book, alerts=alerts, on_event=report_event)
        say(
            f"recording {', '.join(map(str, keys))} from {endpoints.name} into {settings.data_dir} "
            + (f"for {duration:g} s" if duration else "until Ctrl-C")
        )
        stop = asyncio.Event()
        _stop_on_ctrl_c(stop)
        try:
            await recorder.run(feed.events(), duration=duration, stop=stop)
        finally:
            try:
                await stream.close()
                with contextlib.suppress(Exception):  # what it could not fetch is reported as missing below
                    await recorder.finish(feed.catch_up())
            finally:  # a second Ctrl-C cuts the last backfill short, never the writes
                bars.close()
                writer.close()
                store.close()
            if dispatcher is not None:
                await dispatcher.aclose()  # sends still queued get a moment to finish
        missing = {key: progress.missing(key, feed.settled(key)) for key in keys} if feed.clock else {}
        for line in series_summary(stats, keys, missing):
            result(line)
        result(totals_line(stats, feed.filled, missing))
        refused = [
            plural(feed.rejected, "unsound kline") + " refused" if feed.rejected else "",
            plural(stream.parser.malformed, "malformed frame") + " dropped" if stream.parser.malformed else "",
        ]
        if any(refused):
            result(", ".join(r for r in refused if r) + " (nothing of them was stored; see the log)")
        if alerts is not None:
            result(f"{plural(alerts.fired, 'alert')} fired")
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


def _dispatcher(settings: Settings) -> Dispatcher | None:
    """Delivery of fired alerts on the channels `[notify]` turns on (None without rules or channels)."""
    channels = channels_from_settings(settings.notify) if settings.alerts else []
    if not channels:
        return None
    dispatcher = Dispatcher(channels, on_result=_delivery_failed)
    dispatcher.start()
    say(f"alerts are delivered by {', '.join(dispatcher.channel_names)} too")
    return dispatcher


def _delivery_failed(channel: str, alert: FiredAlert, error: str | None) -> None:
    if error is not None:
        say(f"alert {alert.rule_id} via {channel} failed: {error}")


def _alert_runner(
    settings: Settings, keys: list[SeriesKey], store: Store, writer: StoreWriter, deliverer: Deliverer | None
) -> AlertRunner | None:
    """The alert rules evaluated on the recorded series (None without rules), after a warning per unrecorded rule."""
    if not settings.alerts:
        return None
    for line in unwatched_rules(settings.alerts, keys):
        say(line)
    symbols = list(dict.fromkeys(k.symbol for k in keys))
    engine = AlertEngine(settings.alerts, store_history(store), source="record", symbols=symbols)
    return AlertRunner(engine, writer, say=say, deliverer=deliverer, on_fired=_fired)


def _fired(alert: FiredAlert) -> None:
    result(f"alert {alert.rule_id}: {alert.message}")
