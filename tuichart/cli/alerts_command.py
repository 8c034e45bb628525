"""`tuichart alerts add|list|remove|fired`: the rules in the config file and the alerts the store kept."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from tuichart.alerts.duration import format_duration
from tuichart.alerts.rules import AlertRule, next_rule_id
from tuichart.alerts.rules_file import add_rule, load_rules, remove_rules
from tuichart.cli.attach import reading_store
from tuichart.cli.output import result
from tuichart.config import config_path, load_settings
from tuichart.domain import normalize_symbol
from tuichart.errors import BadInput
from tuichart.timeparse import format_time


def run_alerts(args: argparse.Namespace) -> int:
    """Run one `alerts` action."""
    action = {"add": _add, "list": _list, "remove": _remove, "fired": _fired}[args.action]
    return action(args)


def _add(args: argparse.Namespace) -> int:
    rules = load_rules()
    interval = args.interval or load_settings(None, None).interval
    rule = AlertRule.make(
        args.id or next_rule_id(r.id for r in rules),
        args.symbol,
        interval,
        args.when,
        cooldown=args.cooldown,
        on=args.on,
    )
    add_rule(rule)
    result(f"added alert {rule.id}: {rule}")
    return 0


def _list(args: argparse.Namespace) -> int:
    rules = load_rules()
    if not rules:
        result(f'no alerts in {config_path()}; add one with: tuichart alerts add BTCUSDT "price crosses above 100000"')
        return 0
    rows = [("id", "symbol", "interval", "when", "cooldown", "on")]
    rows += [(r.id, r.symbol, r.interval.code, str(r.condition), format_duration(r.cooldown_ms), r.on) for r in rules]
    for line in _table(rows):
        result(line)
    return 0


def _remove(args: argparse.Namespace) -> int:
    for rule in remove_rules(args.ids):
        result(f"removed alert {rule.id}: {rule}")
    return 0


def _fired(args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise BadInput("--limit must be at least 1")
    settings = load_settings(args.data_dir, args.exchange)
    symbol = normalize_symbol(args.symbol) if args.symbol else None
    with reading_store(settings.data_dir) as store:
        alerts = store.fired_alerts(args.limit, symbol)
    if not alerts:
        result("no alerts fired" + (f" for {symbol}" if symbol else "") + f" in {settings.data_dir}")
        return 0
    rows = [("fired at", "id", "symbol", "interval", "candle", "on", "value", "price", "when", "source")]
    rows += [
        (
            format_time(a.fired_at),
            a.rule_id,
            a.symbol,
            a.interval,
            format_time(a.open_time),
            "close" if a.closed else "tick",
            f"{a.value:.10g}",
            f"{a.price:.10g}",
            a.condition,
            a.source,
        )
        for a in alerts
    ]
    for line in _table(rows):
        result(line)
    return 0


def _table(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows]
