"""The small part of CQL a poller uses: `type`, `space`, `id`, `lastmodified` and
`created` compared with a date, joined by AND, and `ORDER BY` one of them.

Dates are read in the caller's own time zone, as Confluence does, at minute
resolution. Anything else (OR, functions such as now(), other fields) is refused
with the 400 Confluence gives for CQL it cannot parse.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from confluence_site.errors import BadRequest

TOKEN = re.compile(
    r"""\s*(?:(?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    |(?P<op>!=|>=|<=|=|>|<)|(?P<punct>[(),])|(?P<word>[A-Za-z0-9_.:\-~]+))""",
    re.VERBOSE,
)
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d")
DATE_FIELDS = {"lastmodified": "modified-date", "created": "created-date"}
ORDER_FIELDS = {
    "lastmodified": "modified-date",
    "created": "created-date",
    "title": "title",
}
COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    ">=": operator.ge,
    "<=": operator.le,
    ">": operator.gt,
    "<": operator.lt,
}


@dataclass(frozen=True)
class Clause:
    field: str  # type, space, id, lastmodified, created
    op: str  # one of COMPARE, or "in" / "not in"
    values: tuple[object, ...]


@dataclass
class Query:
    clauses: list[Clause] = field(default_factory=list)
    order_field: str = "id"  # an index sort field
    descending: bool = False

    def single_space(self) -> str | None:
        """The space key when the query names exactly one with `=`."""
        keys = [c.values[0] for c in self.clauses if c.field == "space" and c.op == "="]
        return str(keys[0]) if len(keys) == 1 else None


def parse(text: str, zone: str) -> Query:
    tokens = _tokens(text)
    query = Query()
    at = 0
    while at < len(tokens) and not _is_word(tokens, at, "order"):
        if query.clauses:
            if not _is_word(tokens, at, "and"):
                raise _unparseable(text)
            at += 1
        clause, at = _clause(tokens, at, ZoneInfo(zone), text)
        query.clauses.append(clause)
    if at < len(tokens):
        at = _order(tokens, at + 1, query, text)
    if at != len(tokens):
        raise _unparseable(text)
    return query


def _clause(
    tokens: list[tuple[str, str]], at: int, zone: ZoneInfo, text: str
) -> tuple[Clause, int]:
    if at >= len(tokens):
        raise _unparseable(text)
    kind, name = tokens[at]
    name = name.lower()
    if kind != "word" or name not in {
        "type",
        "space",
        "space.key",
        "id",
        "content",
        *DATE_FIELDS,
    }:
        raise _unparseable(text)
    name = {"space.key": "space", "content": "id"}.get(name, name)
    if _is_word(tokens, at + 1, "in") or (
        _is_word(tokens, at + 1, "not") and _is_word(tokens, at + 2, "in")
    ):
        negated = _is_word(tokens, at + 1, "not")
        values, at = _value_list(tokens, at + (3 if negated else 2), text)
        return Clause(name, "not in" if negated else "in", values), at
    if (
        at + 2 >= len(tokens)
        or tokens[at + 1][0] != "op"
        or tokens[at + 2][0] not in {"word", "string"}
    ):
        raise _unparseable(text)
    op, raw = tokens[at + 1][1], tokens[at + 2][1]
    if name in DATE_FIELDS:
        return Clause(name, op, (_date(raw, zone, text),)), at + 3
    if op not in {"=", "!="}:
        raise _unparseable(text)
    return Clause(name, op, (raw,)), at + 3


def _value_list(
    tokens: list[tuple[str, str]], at: int, text: str
) -> tuple[tuple[object, ...], int]:
    if at >= len(tokens) or tokens[at] != ("punct", "("):
        raise _unparseable(text)
    values: list[object] = []
    at += 1
    while at < len(tokens) and tokens[at][0] in {"word", "string"}:
        values.append(tokens[at][1])
        at += 1
        if at < len(tokens) and tokens[at] == ("punct", ","):
            at += 1
    if not values or at >= len(tokens) or tokens[at] != ("punct", ")"):
        raise _unparseable(text)
    return tuple(values), at + 1


def _order(tokens: list[tuple[str, str]], at: int, query: Query, text: str) -> int:
    if not _is_word(tokens, at, "by") or at + 1 >= len(tokens):
        raise _unparseable(text)
    name = tokens[at + 1][1].lower()
    if name not in ORDER_FIELDS:
        raise _unparseable(text)
    query.order_field = ORDER_FIELDS[name]
    at += 2
    if _is_word(tokens, at, "asc") or _is_word(tokens, at, "desc"):
        query.descending = tokens[at][1].lower() == "desc"
        at += 1
    return at


def _tokens(text: str) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    at = 0
    stripped = text.rstrip()
    while at < len(stripped):
        match = TOKEN.match(stripped, at)
        if match is None or match.end() == at:
            raise _unparseable(text)
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        found.append((kind, value))
        at = match.end()
    return found


def _is_word(tokens: list[tuple[str, str]], at: int, word: str) -> bool:
    return (
        at < len(tokens) and tokens[at][0] == "word" and tokens[at][1].lower() == word
    )


def _date(raw: str, zone: ZoneInfo, text: str) -> datetime:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(raw, pattern).replace(tzinfo=zone)
        except ValueError:
            continue
    raise _unparseable(text)


def _unparseable(text: str) -> BadRequest:
    return BadRequest(f"Could not parse cql : {text}")
