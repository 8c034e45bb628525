"""What the app is started with: settings merged with the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tuichart.alerts.notify_settings import NotifySettings
from tuichart.alerts.rules import AlertRule
from tuichart.config_schema import NetworkSettings
from tuichart.domain import Interval
from tuichart.engine.endpoints import DemoMarket
from tuichart.indicators import DEFAULT_STUDIES, Study


@dataclass(slots=True)
class AppOptions:
    """Everything `make_app` needs besides the store."""

    symbols: list[str]
    interval: Interval
    exchange: str = "binance"
    demo: DemoMarket | None = None
    fps: float = 4.0
    color: bool = True
    studies: tuple[Study, ...] = DEFAULT_STUDIES
    hidden_panes: frozenset[str] = frozenset()
    watchlist_rsi: bool = False
    network: NetworkSettings = field(default_factory=NetworkSettings)
    data_dir: Path = Path(".")
    config_file: Path | None = None
    save_choices: bool = True
    popout_port: int = 0
    """Port of the browser popout on 127.0.0.1 (0: a free one)."""
    popout_token: str | None = None
    """The popout's token (None: a new one for this run)."""
    alerts: list[AlertRule] = field(default_factory=list)
    """Alert rules (`[[alerts]]`), evaluated on every push of the series they name."""
    notify: NotifySettings = field(default_factory=NotifySettings)
    """Where fired alerts go besides the screen (`[notify]`)."""
    recorder: str | None = None
    """The URL of the recorder this session is attached to: it stores the candles and fires the alerts."""
    label: str | None = None
    """How the status bar names the exchange (default: the preset or URL)."""

    @property
    def exchange_label(self) -> str:
        """How the status bar names the exchange."""
        if self.label is not None:
            return self.label
        return "demo exchange" if self.demo is not None else self.exchange
