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
from tuichart.alerts.rules import AlertRule, rules_from_tables
from tuichart.binance.presets import resolve_exchange
from tuichart.config_check import about, bad_value, convert
from tuichart.config_schema import ConfigFile, NetworkSettings
from tuichart.domain import Interval, normalize_symbol
from tuichart.errors import BadInput
from tuichart.indicators.registry import REGISTRY
from tuichart.indicators.study import DEFAULT_STUDIES, Study, studies_from_config

APP = "tuichart"
INTERVAL_CODES = tuple(i.value for i in Interval)
DEFAULT_WATCHLIST: tuple[str, ...] = ("BTCUSDT", "ETHUSDT", "SOLUSDT", "BNBUSDT", "XRPUSDT", "DOGEUSDT")


def default_data_dir() -> Path:
    """`$TUICHART_DATA_DIR`, else the platform's user data directory."""
    env = os.environ.get("TUICHART_DATA_DIR")
    return Path(env).expanduser() if env else Path(platformdirs.user_data_dir(APP))


def demo_dir(data_dir: str | None) -> Path:
    """Where `--demo` keeps its store and its config file: `--data-dir`, else `demo/` in the default data directory."""
    return Path(data_dir).expanduser() if data_dir is not None else default_data_dir() / "demo"


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
    network: NetworkSettings = field(default_factory=NetworkSettings)
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


def load_settings(data_dir: str | None, exchange: str | None, config: dict[str, Any] | None = None) -> Settings:
    """Settings from the config file (or `config`, its parsed text), overridden by the flags that were given."""
    s = read_settings() if config is None else settings_from(config, config_path())
    if data_dir is not None:
        s.data_dir = Path(data_dir).expanduser()
    if exchange is not None:
        s.exchange = exchange
    return s


def read_settings(path: Path | None = None) -> Settings:
    """The config file checked whole against its schema; a mistake is one line naming the file and the key."""
    path = path or config_path()
    return settings_from(read_config(path), path)


def settings_from(raw: dict[str, Any], path: Path) -> Settings:
    """Settings from the parsed config file at `path`, every key and value checked."""
    try:
        return _settings(convert(raw, ConfigFile))
    except BadInput as exc:
        raise BadInput(f"{_shown(path)}: {exc}") from None


def _settings(cfg: ConfigFile) -> Settings:
    s = Settings(network=cfg.network, watchlist_rsi=cfg.watchlist_rsi, popout_port=cfg.popout_port)
    if cfg.data_dir is not None:
        s.data_dir = Path(cfg.data_dir).expanduser()
    if cfg.exchange is not None:
        with about(["exchange"], cfg.exchange):
            resolve_exchange(cfg.exchange)
        s.exchange = cfg.exchange
    if cfg.watchlist is not None:
        with about(["watchlist"], cfg.watchlist):
            s.watchlist = [normalize_symbol(x) for x in cfg.watchlist]
    if cfg.interval not in INTERVAL_CODES:
        raise bad_value(["interval"], cfg.interval, f"not an interval ({' '.join(INTERVAL_CODES)})")
    s.interval = cfg.interval
    panes = ["volume", *REGISTRY]
    if unknown := [p for p in cfg.hidden_panes if p not in panes]:
        raise bad_value(["hidden_panes"], cfg.hidden_panes, f"unknown pane {unknown[0]!r}; panes: {', '.join(panes)}")
    s.hidden_panes = frozenset(cfg.hidden_panes)
    s.indicators = studies_from_config(cfg.indicators)
    s.notify = NotifySettings.from_schema(cfg.notify)
    s.alerts = rules_from_tables(cfg.alerts)
    return s


def _shown(path: Path) -> str:
    """The path as the user would type it (`~/.config/...` under the home directory)."""
    home = Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) and home != Path("/") else str(path)


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
