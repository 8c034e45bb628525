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
from tuichart.engine.series_book import SeriesBook
from tuichart.indicators import DEFAULT_STUDIES, Study
from tuichart.store import Store, StoreWriter, store_history


def _ignore(*_: object) -> None:
    return None


@dataclass(slots=True)
class EngineHooks:
    """Where an engine reports what people should hear about; each is called on the thread noted."""

    say: Callable[[str], object] = _ignore
    """A problem with the alert rules (the engine's loop)."""
    on_fired: Callable[[FiredAlert], object] | None = None
    """An alert fired (the engine's loop); None prints it through `say`."""
    on_store_error: Callable[[Exception], None] | None = None
    """A store write failed, the rows kept and tried again (the writer's thread), or a series' history could not be
    read for its indicators (the thread that read it)."""
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
    series: SeriesBook | None = None,
    studies: Sequence[Study] = DEFAULT_STUDIES,
) -> MarketEngine:
    """The engine over this REST client and store: persistence with indicator rows, and with `rules` (or when they
    may change while it runs: `rules_change`) alert evaluation, delivering on the channels `notify` turns on;
    `source` names the job in fired alerts. Each series' state lives in `series` when given (a book made by
    `series_book` before the exchange was reached), else in a new book computing the charts' `studies` too."""
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
    runner = None
    if evaluated:
        runner = AlertRunner(
            AlertEngine(rules, store_history(store), source=source),
            writer,
            say=hooks.say,
            deliverer=dispatcher,
            on_fired=hooks.on_fired,
        )
    book = series if series is not None else series_book(store, studies)
    book.bind(writer, runner, hooks.on_store_error)
    engine = MarketEngine(rest, store, book, options, dispatcher=dispatcher, rules=rules)
    return engine


def series_book(store: Store, studies: Sequence[Study] = DEFAULT_STUDIES) -> SeriesBook:
    """The book of each series' state an engine will own, warming series up from this store; charts' `studies`
    are computed beside the stored ones."""
    return SeriesBook(store_history(store), studies=studies)
