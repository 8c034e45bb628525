"""Config values through the schema: a mistake becomes one line naming the key, its value and what fits there."""

from __future__ import annotations

import contextlib
import difflib
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any, TypeVar

import msgspec
import msgspec.inspect as mi

from tuichart.config_schema import EXPECTED
from tuichart.errors import BadInput

T = TypeVar("T")
Key = Sequence[str | int]
"""Where a value sits in the file: table keys and list positions, e.g. ("alerts", 0, "when")."""

_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+|\.\.\.)\]")
_EXPECTED_TYPE = re.compile(r"^Expected `(?P<types>[^`]+)`(?P<bound>.*?)(?:, got `[^`]+`)?$")
_WORDS = {"int": "a whole number", "float": "a number", "str": "a string", "bool": "true or false"}
_WORDS |= {"array": "a list", "object": "a table", "datetime": "a date and time"}


def convert(raw: object, schema: type[T], at: Key = ()) -> T:
    """`raw` (parsed TOML found at key `at`) as `schema`; a mismatch is a BadInput naming the key."""
    try:
        return msgspec.convert(raw, schema)
    except msgspec.ValidationError as exc:
        root: Any = raw
        for step in reversed(at):
            root = {step: root}
        raise BadInput(_describe(str(exc), root, schema, list(at))) from None


def bad_value(key: Key, value: object, expected: str) -> BadInput:
    """`key = value: expected`, the one line for a value the schema let through but that does not fit."""
    return BadInput(f"{_dotted(key)} = {_toml(value)}: {expected}")


@contextlib.contextmanager
def about(key: Key, value: object) -> Iterator[None]:
    """Report a BadInput raised while checking `value` as a mistake at `key`."""
    try:
        yield
    except BadInput as exc:
        raise bad_value(key, value, str(exc)) from None


def _describe(message: str, root: Any, schema: type[Any], at: list[str | int]) -> str:
    m = _AT.match(message)
    assert m is not None
    inner = _steps(m["path"] or "")
    key = [*at, *inner]
    what = m["what"]
    where, rest = _where(key, root)
    if unknown := re.match(r"Object contains unknown field `(.+)`", what):
        return where + _unknown(rest, unknown[1], _type_at(mi.type_info(schema), inner))
    if missing := re.match(r"Object missing required field `(.+)`", what):
        return f"{where}{_dotted([*rest, missing[1]])} is required"
    value = _value_at(root, key)
    expected = EXPECTED.get(_dotted([k for k in key if isinstance(k, str)]))
    if expected is None:
        expected = _expected(what, _type_at(mi.type_info(schema), inner))
    return where + str(bad_value(rest, value, expected))


def _unknown(table: list[str | int], name: str, schema: mi.Type | None) -> str:
    known = [f.encode_name for f in schema.fields] if isinstance(schema, mi.StructType) else []
    full = _dotted([*table, name])
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    hint = f'did you mean "{_dotted([*table, close[0]])}"?' if close else f"known: {', '.join(known)}"
    return f'unknown key "{full}" ({hint})'


def _expected(what: str, schema: mi.Type | None) -> str:
    if isinstance(schema, mi.LiteralType) and what.startswith("Invalid enum value"):
        return "expected one of " + ", ".join(map(str, schema.values))
    m = _EXPECTED_TYPE.match(what)
    if m is None:
        return what
    words = [_WORDS.get(t, t) for t in m["types"].split(" | ") if t != "null"]
    text = words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
    bound = m["bound"].strip()
    if bound.startswith(("of length >= 1", "matching regex '\\\\S'")):
        return "expected " + re.sub(r"^a ", "a non-empty ", text)
    limit = re.match(r"(>=|>|<=|<) (\S+)", bound)
    if limit is None:
        return f"expected {text} {bound}".rstrip()
    words_for = {">=": "of at least", ">": "above", "<=": "of at most", "<": "below"}
    return f"expected {text} {words_for[limit[1]]} {float(limit[2]):g}"


def _where(key: Key, root: object) -> tuple[str, list[str | int]]:
    """An `[[alerts]]` table is named by its id, as the rules' own messages name it."""
    key = list(key)
    if len(key) >= 2 and key[0] == "alerts" and isinstance(key[1], int):
        table = _value_at(root, key[:2])
        rule_id = table.get("id") if isinstance(table, dict) else None
        name = f"alert {rule_id!r}" if isinstance(rule_id, str) else f"alert #{key[1] + 1}"
        return f"{name}: ", key[2:]
    return "", key


def _steps(path: str) -> list[str | int]:
    return [name if name else (int(index) if index.isdigit() else "...") for name, index in _STEP.findall(path)]


def _dotted(key: Key) -> str:
    out = ""
    for step in key:
        out += f"[{step + 1}]" if isinstance(step, int) else (f".{step}" if out else str(step))
    return out


def _value_at(root: object, key: Key) -> object:
    for step in key:
        if isinstance(step, int) and isinstance(root, list) and step < len(root):
            root = root[step]
        elif isinstance(step, str) and isinstance(root, dict):
            root = root.get(step)
        else:
            return None
    return root


def _type_at(schema: mi.Type, key: Key) -> mi.Type | None:
    t: mi.Type | None = schema
    for step in key:
        t = _unwrap(t)
        if isinstance(t, mi.StructType) and isinstance(step, str):
            t = next((f.type for f in t.fields if f.encode_name == step), None)
        elif isinstance(t, mi.ListType | mi.DictType) and not isinstance(step, str):
            t = t.item_type if isinstance(t, mi.ListType) else t.value_type
        else:
            return None
    return _unwrap(t)


def _unwrap(t: mi.Type | None) -> mi.Type | None:
    """The member of `X | None` (or of a union with a table or list) that the key's path goes through."""
    while isinstance(t, mi.Metadata):
        t = t.type
    if not isinstance(t, mi.UnionType):
        return t
    members = [m.type if isinstance(m, mi.Metadata) else m for m in t.types if not isinstance(m, mi.NoneType)]
    for m in members:
        if isinstance(m, mi.StructType | mi.ListType | mi.DictType | mi.LiteralType):
            return m
    return members[0] if members else None


def _toml(value: object) -> str:
    """The value as TOML writes it, cut to a readable length."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    elif isinstance(value, list):
        text = "[" + ", ".join(map(_toml, value)) + "]"
    elif isinstance(value, dict):
        text = "{ " + ", ".join(f"{k} = {_toml(v)}" for k, v in value.items()) + " }" if value else "{}"
    else:
        text = str(value)
    return text if len(text) <= 60 else text[:57] + "..."
