"""The commands that talk to an exchange: backfill, record, and the live watchlist view."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from tuichart.alerts import Deliverer, FiredAlert
from tuichart.alerts.channels import channels_from_settings
from tuichart.alerts.dispatch import Dispatcher
from tuichart.alerts.engine import AlertEngine
from tuichart.cli.output import result, say
from tuichart.cli.progress import progress_bar
from tuichart.config import Settings
from tuichart.domain import FeedState, FeedStatus, Interval, KlineEvent, SeriesKey
from tuichart.market.presets import resolve_exchange
from tuichart.market.rest import RestClient, RetryPolicy
from tuichart.market.stream import KlineStream, StreamPolicy
from tuichart.plural import plural
from tuichart.services.alert_runner import AlertRunner, unwatched_rules
from tuichart.services.backfill import backfill as run_backfill
from tuichart.services.endpoints import DemoMarket, exchange_endpoints
from tuichart.services.feed import FeedPolicy, MarketFeed
from tuichart.services.indicator_book import IndicatorBook, store_history
from tuichart.services.live_session import stream_policy
from tuichart.services.record import ClosedTracker, FeedEvent, RecordStats, record_events, span_summary
from tuichart.store import Store, StoreWriter
from tuichart.timeparse import format_time

EXIT_MISSING = 3  # the run ended, but candles it received are not in the store (the summary says how many)


def policies(settings: Settings) -> tuple[StreamPolicy, RetryPolicy, FeedPolicy]:
    """The stream, REST and feed policies from the `[network]` settings."""
    n = settings.network
    return stream_policy(n), RetryPolicy(scale=n.retry_scale), FeedPolicy(grace=n.close_grace)


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
) -> int:
    """`tuichart record`: stream closed candles into the store until Ctrl-C or `duration` seconds, with alerts."""
    return asyncio.run(_record(settings, symbols, interval, duration, demo))


async def _record(
    settings: Settings,
    symbols: list[str],
    interval: Interval,
    duration: float | None,
    demo: bool,
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
        writer = StoreWriter(
            store, on_error=lambda exc: say(f"store write failed: {exc}; the candles are kept and tried again")
        )
        tracker = ClosedTracker(store, start)
        book = IndicatorBook(store_history(store))
        dispatcher = _dispatcher(settings)
        alerts = _alert_runner(settings, keys, store, writer, dispatcher)
        stream = KlineStream(endpoints.ws_base, keys, tickers=False, policy=stream_policy)
        feed = MarketFeed(rest, stream, last_closed=tracker, policy=feed_policy)
        say(
            f"recording {', '.join(map(str, keys))} from {endpoints.name} into {settings.data_dir} "
            + (f"for {duration:g} s" if duration else "until Ctrl-C")
        )
        stats = RecordStats()
        try:
            stats = await record_events(
                feed.events(),
                writer,
                store,
                tracker,
                book=book,
                alerts=alerts,
                duration=duration,
                on_event=_report_status,
            )
        finally:
            await stream.close()
            await _final_reconcile(rest, keys, tracker, writer, book, alerts, stats)
            writer.close()
            store.close()
            if dispatcher is not None:
                await dispatcher.aclose()  # sends still queued get a moment to finish
        for line in span_summary(stats, keys):
            result(line)
        closed = plural(sum(stats.closed.values()), "closed candle")
        result(f"{closed} recorded, {plural(stats.reconnects, 'reconnect')}")
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
            return EXIT_MISSING
    return 0


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


async def _final_reconcile(
    rest: RestClient,
    keys: Sequence[SeriesKey],
    tracker: ClosedTracker,
    writer: StoreWriter,
    book: IndicatorBook,
    alerts: AlertRunner | None,
    stats: RecordStats,
) -> None:
    """Fetch what closed between the last candle written and now, so stopping loses nothing."""
    with contextlib.suppress(Exception):
        now = await rest.server_time()
        for key in keys:
            start = key.interval.next_open(tracker(key))
            async for page in rest.closed_klines(key, start, now_ms=now):
                for c in page:
                    event = KlineEvent(key, c, True, now)
                    writer.put(key, c)
                    writer.put_indicators(key, book.on_closed(event))
                    tracker.note(key, c.open_time)
                    stats.note_closed(event)
                    if alerts is not None:
                        alerts.on_kline(event)


def _report_status(ev: FeedEvent, stats: RecordStats) -> None:
    if isinstance(ev, FeedStatus) and ev.state is not FeedState.LIVE:
        retry = f" in {ev.retry_in:.1f} s" if ev.retry_in is not None else ""
        say(f"feed {ev.state.value}{retry}: {ev.detail}")
