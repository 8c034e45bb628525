"""Adding and removing `[[alerts]]` tables in the config file, keeping its comments and other keys."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tuichart.alerts.rules import AlertRule
from tuichart.config import edit_config, read_settings
from tuichart.errors import BadInput


def load_rules(path: Path | None = None) -> list[AlertRule]:
    """The rules in the config file (none when it has no `[[alerts]]`), after the whole file is checked."""
    return read_settings(path).alerts


def add_rule(rule: AlertRule, path: Path | None = None) -> Path:
    """Append the rule as an `[[alerts]]` table; an id already used is a BadInput and nothing is written."""
    import tomlkit

    if any(r.id == rule.id for r in load_rules(path)):
        raise BadInput(f"an alert with id {rule.id!r} exists already; pick another --id or remove it first")

    def append(doc: Any) -> None:
        if "alerts" not in doc:
            doc["alerts"] = tomlkit.aot()
        alerts = doc["alerts"]
        table = tomlkit.table() if isinstance(alerts, tomlkit.items.AoT) else tomlkit.inline_table()
        table.update(rule.to_table())
        alerts.append(table)

    return edit_config(append, path, what="the alert")


def remove_rules(ids: Sequence[str], path: Path | None = None) -> list[AlertRule]:
    """Remove the rules with these ids and return them; an unknown id is a BadInput and nothing is removed."""
    rules = load_rules(path)
    known = {r.id for r in rules}
    missing = [i for i in ids if i not in known]
    if missing:
        have = ", ".join(sorted(known)) or "none"
        raise BadInput(f"no alert with id {missing[0]!r}; ids in the config: {have}")

    def drop(doc: Any) -> None:
        alerts = doc["alerts"]
        for i in reversed(range(len(alerts))):
            if alerts[i].get("id") in ids:
                del alerts[i]
        if not len(alerts):
            del doc["alerts"]

    edit_config(drop, path, what="the alerts")
    return [r for r in rules if r.id in ids]
