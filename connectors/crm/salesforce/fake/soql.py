"""The SOQL the connector sends, parsed and run against the fake org.

Supported: ``SELECT f, Rel.f FROM Obj [WHERE c AND c ...] [ORDER BY f [ASC|DESC], ...]
[LIMIT n]`` where a condition is ``f op literal``, ``f IN (...)`` or ``f NOT IN (...)``, with
string, number, boolean, null and dateTime literals. Text compares without case, as SOQL does.
Anything else is ``MALFORMED_QUERY``, as a real org would answer a query it cannot parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from connectors.crm.salesforce.fake.org import Org, Record
from connectors.crm.salesforce.fake.timefmt import parse_datetime

_TOKEN = re.compile(
    r"\s*(?:(?P<str>'(?:[^'\\]|\\.)*')|(?P<dt>\d{4}-\d{2}-\d{2}T[0-9:.]+(?:Z|[+-]\d{2}:?\d{2}))"
    r"|(?P<num>-?\d+(?:\.\d+)?)|(?P<op>!=|<=|>=|<|>|=|\(|\)|,)|(?P<word>[A-Za-z_][\w.]*))"
)
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f"}


class SoqlError(ValueError):
    """A query the fake (and Salesforce) cannot run: ``MALFORMED_QUERY`` or ``INVALID_FIELD``."""

    def __init__(self, message: str, code: str = "MALFORMED_QUERY") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class Condition:
    field: str
    op: str
    values: tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Query:
    fields: tuple[str, ...]
    sobject: str
    where: tuple[Condition, ...]
    order: tuple[tuple[str, bool], ...]  # (field, descending)
    limit: int | None


def tokens(text: str) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise SoqlError(f"unexpected token at: {text[position : position + 30]!r}")
        position = match.end()
        kind = match.lastgroup or ""
        raw = match.group(kind)
        out.append((kind, _unquote(raw) if kind == "str" else raw))
    return out


def _unquote(raw: str) -> str:
    body = raw[1:-1]
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), body)


class _Parser:
    def __init__(self, text: str) -> None:
        self.items = tokens(text)
        self.at = 0

    def peek_word(self) -> str:
        kind, raw = self.items[self.at] if self.at < len(self.items) else ("", "")
        return str(raw).upper() if kind == "word" else ""

    def take(self, kind: str | None = None, word: str | None = None) -> Any:
        if self.at >= len(self.items):
            raise SoqlError("unexpected end of query")
        got_kind, raw = self.items[self.at]
        if (kind and got_kind != kind) or (word and str(raw).upper() != word):
            raise SoqlError(f"unexpected token {raw!r}")
        self.at += 1
        return raw

    def parse(self) -> Query:
        self.take("word", "SELECT")
        fields = [self.take("word")]
        while self.items[self.at][1] == ",":
            self.at += 1
            fields.append(self.take("word"))
        self.take("word", "FROM")
        sobject = self.take("word")
        where: list[Condition] = []
        if self.peek_word() == "WHERE":
            self.at += 1
            where.append(self.condition())
            while self.peek_word() == "AND":
                self.at += 1
                where.append(self.condition())
        order: list[tuple[str, bool]] = []
        if self.peek_word() == "ORDER":
            self.at += 1
            self.take("word", "BY")
            order.append(self.ordering())
            while self.at < len(self.items) and self.items[self.at][1] == ",":
                self.at += 1
                order.append(self.ordering())
        limit = None
        if self.peek_word() == "LIMIT":
            self.at += 1
            limit = int(self.take("num"))
        if self.at != len(self.items):
            raise SoqlError(f"unexpected token {self.items[self.at][1]!r}")
        return Query(tuple(fields), sobject, tuple(where), tuple(order), limit)

    def ordering(self) -> tuple[str, bool]:
        name = self.take("word")
        descending = self.peek_word() == "DESC"
        if self.peek_word() in ("ASC", "DESC"):
            self.at += 1
        return name, descending

    def condition(self) -> Condition:
        name = self.take("word")
        if self.peek_word() in ("IN", "NOT"):
            negated = self.take("word").upper() == "NOT"
            if negated:
                self.take("word", "IN")
            self.take("op")
            values = [self.literal()]
            while self.items[self.at][1] == ",":
                self.at += 1
                values.append(self.literal())
            self.take("op")
            return Condition(name, "NOT IN" if negated else "IN", tuple(values))
        op = self.take("op")
        if op not in ("=", "!=", "<", "<=", ">", ">="):
            raise SoqlError(f"unexpected operator {op!r}")
        return Condition(name, op, (self.literal(),))

    def literal(self) -> object:
        kind, raw = self.items[self.at]
        self.at += 1
        if kind == "str":
            return raw
        if kind == "dt":
            return parse_datetime(raw)
        if kind == "num":
            return float(raw) if "." in raw else int(raw)
        if kind == "word" and raw.upper() in ("TRUE", "FALSE", "NULL"):
            return {"TRUE": True, "FALSE": False, "NULL": None}[raw.upper()]
        raise SoqlError(f"unexpected literal {raw!r}")


def parse(text: str) -> Query:
    """The query, or ``SoqlError``."""
    return _Parser(text).parse()


def _comparable(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


def _matches(record_value: object, condition: Condition) -> bool:
    value = _comparable(record_value)
    wanted = [_comparable(v) for v in condition.values]
    if condition.op == "IN":
        return value in wanted
    if condition.op == "NOT IN":
        return value not in wanted
    other = wanted[0]
    if condition.op == "=":
        return value == other
    if condition.op == "!=":
        return value != other
    if value is None or other is None:
        return False
    try:
        return bool(
            {
                "<": lambda: value < other,  # type: ignore[operator]
                "<=": lambda: value <= other,  # type: ignore[operator]
                ">": lambda: value > other,  # type: ignore[operator]
                ">=": lambda: value >= other,  # type: ignore[operator]
            }[condition.op]()
        )
    except TypeError as error:
        raise SoqlError(
            f"cannot compare {condition.field} with {other!r}", "INVALID_FIELD"
        ) from error


Resolve = Callable[[Record, str], object]


def run(org: Org, query: Query, resolve: Resolve) -> list[Record]:
    """The records ``query`` selects, ordered and limited (fields are rendered by the caller)."""
    sobject = org.schema.canonical(query.sobject)
    if sobject is None:
        raise SoqlError(f"sObject type '{query.sobject}' is not supported.", "INVALID_TYPE")
    for name in {*query.fields, *(c.field for c in query.where), *(o[0] for o in query.order)}:
        if "." not in name and org.schema.field(sobject, name) is None:
            raise SoqlError(f"No such column '{name}' on entity '{sobject}'.", "INVALID_FIELD")
    candidates = _candidates(org, sobject, query.where)
    selected = [r for r in candidates if all(_matches(resolve(r, c.field), c) for c in query.where)]
    for name, descending in reversed(query.order):
        selected.sort(key=lambda r: _sort_key(resolve(r, name)), reverse=descending)
    return selected[: query.limit] if query.limit is not None else selected


def _candidates(org: Org, sobject: str, where: tuple[Condition, ...]) -> list[Record]:
    for condition in where:
        if condition.op in ("IN", "=") and None not in condition.values:
            found = org.lookup(
                sobject, _field_name(org, sobject, condition.field), condition.values
            )
            if found is not None:
                return found
    return list(org.of(sobject))


def _field_name(org: Org, sobject: str, name: str) -> str:
    found = org.schema.field(sobject, name)
    return found.name if found is not None else name


def _sort_key(value: object) -> tuple[int, Any]:
    if value is None:
        return (0, "")  # nulls first, as ascending SOQL orders them by default
    if isinstance(value, datetime):
        return (1, value.timestamp())
    return (1, _comparable(value))
