"""Where things live and what the user configured: data dir, config file, exchange, watchlist."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from tuichart.alerts.notify_settings import NotifySettings
from tuichart.alerts.rules import AlertRule, rules_from_config
from tuichart.errors import BadInput
from tuichart.indicators.registry import REGISTRY
from tuichart.indicators.study import DEFAULT_STUDIES, Study, studies_from_config

APP = "tuichart"
DEFAULT_WATCHLIST: tuple[str, ...] = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "DOGEUSDT")


def default_data_dir() -> Path:
    """`$TUICHART_DATA_DIR`, else the platform's user data directory."""
    env = os.environ.get("TUICHART_DATA_DIR")
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir(APP))


def config_path() -> Path:
    """`$TUICHART_CONFIG`, else `config.toml` in the platform's user config directory."""
    env = os.environ.get("TUICHART_CONFIG")
    return Path(env).expanduser() if env else Path(platformdirs.user_config_dir(APP)) / "config.toml"


def state_dir() -> Path:
    """The platform's user state directory (kept between runs, not configuration)."""
    return Path(platformdirs.user_state_dir(APP))


def log_dir() -> Path:
    """The platform's user log directory."""
    return Path(platformdirs.user_log_dir(APP))


def screenshot_dir() -> Path:
    """`tuichart/` in the platform's pictures directory, or `screenshots/` in its data directory when there is none."""
    pictures = Path(platformdirs.user_pictures_dir())
    return pictures / APP if pictures.is_dir() else Path(platformdirs.user_data_dir(APP)) / "screenshots"


def read_config(path: Path | None = None) -> dict[str, Any]:
    """The config file as a dict; an absent file is empty, a broken one is a one-line error."""
    path = path or config_path()
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{path}: not valid TOML ({exc})") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read ({exc.strerror})") from None


@dataclass(slots=True)
class Settings:
    """Settings after merging the config file with the flags the user typed (flags win)."""

    data_dir: Path = field(default_factory=default_data_dir)
    """Directory holding `tuichart.duckdb`."""
    exchange: str = "binance"
    """Preset name (binance, binance-vision, binance-us) or an embedded exchange URL."""
    watchlist: list[str] = field(default_factory=lambda: list(DEFAULT_WATCHLIST))
    """Symbols shown when none are given on the command line."""
    interval: str = "1m"
    """Interval shown when none is given."""
    network: NetworkSettings = field(default_factory=lambda: NetworkSettings())
    """Reconnect and retry timings (`[network]` table)."""
    indicators: tuple[Study, ...] = DEFAULT_STUDIES
    """What the app draws (`[indicators]` table); the store always keeps the defaults."""
    hidden_panes: frozenset[str] = frozenset()
    """Panes and overlays hidden: `volume` or an indicator name (rsi, macd, stoch, ema, bb, …)."""
    watchlist_rsi: bool = False
    """Show an RSI column in the watchlist."""
    popout_port: int = 0
    """Port of the browser popout on 127.0.0.1 (0: a free one each run)."""
    notify: NotifySettings = field(default_factory=NotifySettings)
    """Where fired alerts are delivered (`[notify]` table; secrets from the environment)."""
    alerts: list[AlertRule] = field(default_factory=list)
    """Alert rules (`[[alerts]]` tables)."""


@dataclass(slots=True)
class NetworkSettings:
    """Timings of the live feed, all in seconds; the defaults suit Binance."""

    reconnect_initial: float = 1.0
    """First reconnect delay; doubles on each failure (with jitter) up to `reconnect_cap`."""
    reconnect_cap: float = 60.0
    """Longest reconnect delay."""
    silence_timeout: float = 60.0
    """Reconnect when no message arrives on the connection for this long."""
    close_grace: float = 5.0
    """Fetch a candle over REST when its closing push has not come this long after its close."""
    retry_scale: float = 1.0
    """Multiplier on REST waits (Retry-After, 5xx backoff); below 1 only for testing."""

    @classmethod
    def from_table(cls, table: object) -> NetworkSettings:
        """From the config file's `[network]` table; unknown keys or non-numbers are a one-line error."""
        out = cls()
        if not isinstance(table, dict):
            return out
        for name, value in table.items():
            if name not in cls.__dataclass_fields__:
                raise BadInput(f"unknown setting network.{name}; known: {', '.join(cls.__dataclass_fields__)}")
            if not isinstance(value, int | float) or value <= 0:
                raise BadInput(f"network.{name} must be a positive number of seconds")
            setattr(out, name, float(value))
        return out


def load_settings(data_dir: str | None, exchange: str | None, config: dict[str, Any] | None = None) -> Settings:
    """Settings from the config file, overridden by the flags that were given."""
    cfg = read_config() if config is None else config
    s = Settings()
    if isinstance(cfg.get("data_dir"), str):
        s.data_dir = Path(cfg["data_dir"]).expanduser()
    if isinstance(cfg.get("exchange"), str):
        s.exchange = cfg["exchange"]
    if isinstance(cfg.get("watchlist"), list):
        s.watchlist = [str(x).upper() for x in cfg["watchlist"]]
    if isinstance(cfg.get("interval"), str):
        s.interval = cfg["interval"]
    s.network = NetworkSettings.from_table(cfg.get("network"))
    if isinstance(cfg.get("hidden_panes"), list):
        known = {"volume", *REGISTRY}
        unknown = sorted({str(p) for p in cfg["hidden_panes"]} - known)
        if unknown:
            raise BadInput(
                f"{config_path()}: unknown pane {unknown[0]!r} in hidden_panes; panes: volume, {', '.join(REGISTRY)}"
            )
        s.hidden_panes = frozenset(str(p) for p in cfg["hidden_panes"])
    if isinstance(cfg.get("watchlist_rsi"), bool):
        s.watchlist_rsi = cfg["watchlist_rsi"]
    if "popout_port" in cfg:
        port = cfg["popout_port"]
        if not isinstance(port, int) or isinstance(port, bool) or not 0 <= port <= 65535:
            raise BadInput(f"{config_path()}: popout_port must be a port number (0 picks a free one)")
        s.popout_port = port
    try:
        s.indicators = studies_from_config(cfg.get("indicators"))
        s.notify = NotifySettings.from_table(cfg.get("notify"))
        s.alerts = rules_from_config(cfg.get("alerts"))
    except BadInput as exc:
        raise BadInput(f"{config_path()}: {exc}") from None
    if data_dir is not None:
        s.data_dir = Path(data_dir).expanduser()
    if exchange is not None:
        s.exchange = exchange
    return s


def save_choices(
    path: Path | None = None,
    *,
    watchlist: list[str] | None = None,
    interval: str | None = None,
    hidden_panes: frozenset[str] | None = None,
) -> Path:
    """Write the user's choices into the config file, keeping everything else in it (comments included)."""

    def choose(doc: Any) -> None:
        if watchlist is not None:
            doc["watchlist"] = list(watchlist)
        if interval is not None:
            doc["interval"] = interval
        if hidden_panes is not None:
            doc["hidden_panes"] = sorted(hidden_panes)

    return edit_config(choose, path, what="choices")


def edit_config(edit: Callable[[Any], None], path: Path | None = None, *, what: str = "changes") -> Path:
    """Apply `edit` to the config file's tomlkit document and write it back atomically (comments kept)."""
    import tomlkit

    path = path or config_path()
    try:
        doc = tomlkit.parse(path.read_text()) if path.exists() else tomlkit.document()
    except Exception as exc:  # a file we cannot parse is left alone rather than overwritten
        raise BadInput(f"{path}: not valid TOML, {what} not saved ({exc})") from None
    edit(doc)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".toml.tmp")
        tmp.write_text(tomlkit.dumps(doc))
        tmp.replace(path)
    except OSError as exc:
        raise BadInput(f"cannot save {what} to {path}: {exc.strerror}") from None
    return path
