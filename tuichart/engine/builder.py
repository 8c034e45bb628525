"""Builds the market engine, the one place the live pipeline is put together, for `record`, `web` and the app."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from tuichart.alerts import FiredAlert
from tuichart.alerts.channels import channels_from_settings
from tuichart.alerts.dispatch import Dispatcher
from tuichart.alerts.engine import AlertEngine
from tuichart.alerts.notify_settings import NotifySettings
from tuichart.alerts.rules import AlertRule
from tuichart.binance.rest import RestClient
from tuichart.domain import SeriesKey
from tuichart.engine.alert_runner import AlertRunner
from tuichart.engine.engine import EngineOptions, MarketEngine
from tuichart.engine.series_worker import SeriesWorker
from tuichart.indicators.book import IndicatorBook
from tuichart.store import Store, StoreWriter, store_history


def _ignore(*_: object) -> None:
    return None


@dataclass(slots=True)
class EngineHooks:
    """Where an engine reports what people should hear about; each is called on the thread noted."""

    say: Callable[[str], object] = _ignore
    """A problem with the alert rules (the alert thread)."""
    on_fired: Callable[[FiredAlert], object] | None = None
    """An alert fired (the alert thread); None prints it through `say`."""
    on_store_error: Callable[[Exception], None] | None = None
    """A store write failed; the rows are kept and tried again (the writer's thread)."""
    on_store_recovered: Callable[[int], None] | None = None
    """Writes work again: how many candles went in (the writer's thread)."""
    on_written: Callable[[SeriesKey, Sequence[int]], None] | None = None
    """Candles of a series committed (the writer's thread)."""
    on_delivery: Callable[[str, FiredAlert, str | None], None] | None = None
    """The result of a delivery on a channel (the dispatcher's loop)."""


def build_engine(
    rest: RestClient,
    store: Store,
    options: EngineOptions,
    *,
    rules: Sequence[AlertRule] = (),
    notify: NotifySettings | None = None,
    source: str,
    rules_change: bool = False,
    hooks: EngineHooks | None = None,
) -> MarketEngine:
    """The engine over this REST client and store: persistence with indicator rows, and with `rules` (or when they
    may change while it runs: `rules_change`) an alert thread, delivering on the channels `notify` turns on;
    `source` names the job in fired alerts."""
    hooks = hooks or EngineHooks()
    engine: MarketEngine | None = None

    def written(key: SeriesKey, open_times: Sequence[int]) -> None:
        if engine is not None and engine.durable is not None:
            engine.durable.committed(key, open_times)
        if hooks.on_written is not None:
            hooks.on_written(key, open_times)

    writer = StoreWriter(
        store, on_error=hooks.on_store_error, on_written=written, on_recovered=hooks.on_store_recovered
    )
    dispatcher = None
    evaluated = bool(rules) or rules_change
    channels = channels_from_settings(notify) if notify is not None and evaluated else []
    if channels:
        dispatcher = Dispatcher(channels, on_result=hooks.on_delivery)
        dispatcher.start()
    book = IndicatorBook(store_history(store))
    runner = None
    if evaluated:
        runner = AlertRunner(
            AlertEngine(rules, store_history(store), source=source, book=book),
            writer,
            say=hooks.say,
            deliverer=None if dispatcher is None else dispatcher.from_threads(),
            on_fired=hooks.on_fired,
        )
    worker = SeriesWorker(writer, book, alerts=runner, on_error=hooks.on_store_error)
    engine = MarketEngine(rest, store, worker, options, dispatcher=dispatcher, rules=rules)
    return engine
