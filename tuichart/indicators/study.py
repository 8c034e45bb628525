"""A study is one configured indicator: a registry entry plus its parameter values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tuichart.errors import BadInput
from tuichart.indicators.registry import MIRRORED, REGISTRY, Indicator


@dataclass(frozen=True, slots=True)
class Study:
    """An indicator with its parameters; equal studies compute equal values."""

    kind: str
    values: tuple[float, ...]

    @property
    def indicator(self) -> Indicator:
        """The registry entry."""
        return REGISTRY[self.kind]

    @property
    def columns(self) -> tuple[str, ...]:
        """Output column names, e.g. `ema_12` or `macd`, `macd_signal`, `macd_histogram`."""
        ind = self.indicator
        if ind.named_by_length:
            return (f"{self.kind}_{int(self.values[0])}",)
        return ind.outputs

    @property
    def label(self) -> str:
        """Short legend text, TradingView style: `EMA 12`, `MACD 12 26 9`."""
        return " ".join([self.indicator.title, *(_fmt(v) for v in self.values)])

    def kwargs(self) -> dict[str, float]:
        """Keyword arguments for the TA-Lib function and stream handle."""
        ind = self.indicator
        out: dict[str, float] = dict(ind.fixed)
        for p, v in zip(ind.params, self.values, strict=True):
            value = int(v) if p.integer else float(v)
            out[p.talib] = value
            if p.talib in MIRRORED:
                out[MIRRORED[p.talib]] = value
        return out

    def with_params(self, **changes: float) -> Study:
        """This study with some parameters changed (validated)."""
        given = {p.name: v for p, v in zip(self.indicator.params, self.values, strict=True)}
        for name in changes:
            if name not in given:
                raise BadInput(f"{self.kind} has no parameter {name!r}; it has {_names(self.indicator)}")
        return make_study(self.kind, {**given, **changes})


def make_study(kind: str, params: Mapping[str, object] | None = None) -> Study:
    """A validated study; unknown kinds, unknown parameters and out-of-range values are one-line errors."""
    ind = REGISTRY.get(kind.lower())
    if ind is None:
        raise BadInput(f"unknown indicator {kind!r}; known: {', '.join(REGISTRY)}")
    params = dict(params or {})
    values: list[float] = []
    for p in ind.params:
        raw = params.pop(p.name, p.default)
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise BadInput(f"{ind.kind}.{p.name} must be a number, not {raw!r}")
        if p.integer and raw != int(raw):
            raise BadInput(f"{ind.kind}.{p.name} must be a whole number, not {raw!r}")
        if not p.low <= raw <= p.high:
            raise BadInput(f"{ind.kind}.{p.name} must be between {_fmt(p.low)} and {_fmt(p.high)}, not {raw!r}")
        values.append(float(raw))
    if params:
        raise BadInput(f"{ind.kind} has no parameter {next(iter(params))!r}; it has {_names(ind)}")
    if ind.kind == "macd" and values[0] >= values[1]:
        raise BadInput("macd.fast must be shorter than macd.slow")
    return Study(ind.kind, tuple(values))


DEFAULT_STUDIES: tuple[Study, ...] = (
    make_study("ema", {"length": 12}),
    make_study("ema", {"length": 26}),
    make_study("rsi"),
    make_study("macd"),
    make_study("bb"),
    make_study("stoch"),
)
"""The six the store keeps, with the seed's column names."""


def studies_from_config(table: object) -> tuple[Study, ...]:
    """Studies from the config file's `[indicators]` table, on top of the defaults.

    Each key is an indicator; its value is `false` (hide a default), `true` (TradingView's defaults), a number
    (the first parameter), a table of parameters, or a list of those for several instances (`ema = [12, 26]`).
    """
    if table is None:
        return DEFAULT_STUDIES
    if not isinstance(table, dict):
        raise BadInput("[indicators] must be a table")
    chosen: dict[str, list[Study]] = {}
    for s in DEFAULT_STUDIES:
        chosen.setdefault(s.kind, []).append(s)
    for kind, value in table.items():
        ind = REGISTRY.get(str(kind).lower())
        if ind is None:
            raise BadInput(f"unknown indicator {kind!r} in [indicators]; known: {', '.join(REGISTRY)}")
        items = value if isinstance(value, list) else [value]
        if len(items) > 1 and not ind.named_by_length:
            raise BadInput(f"indicators.{ind.kind}: only one instance; give a number or a table, not a list")
        chosen[ind.kind] = [_study_from_item(ind, item) for item in items if item is not False]
    studies = tuple(s for group in chosen.values() for s in group)
    _check_unique(studies)
    return studies


def _study_from_item(ind: Indicator, item: object) -> Study:
    if item is True:
        return make_study(ind.kind)
    if isinstance(item, int | float) and not isinstance(item, bool):
        if not ind.params:
            raise BadInput(f"indicators.{ind.kind} takes no parameters; use true or false")
        return make_study(ind.kind, {ind.params[0].name: item})
    if isinstance(item, dict):
        return make_study(ind.kind, item)
    raise BadInput(f"indicators.{ind.kind}: expected true, false, a number or a table, not {item!r}")


def _check_unique(studies: Sequence[Study]) -> None:
    seen: set[str] = set()
    for s in studies:
        for c in s.columns:
            if c in seen:
                raise BadInput(f"indicator column {c} is configured twice")
            seen.add(c)


def _names(ind: Indicator) -> str:
    return ", ".join(p.name for p in ind.params) or "none"


def _fmt(v: float) -> str:
    return str(int(v)) if v == int(v) else f"{v:g}"
