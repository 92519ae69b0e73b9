"""Building SOQL safely: quoted literals, checked field names, and ``IN`` lists sized for URLs.

A query travels in the URL of a GET; Salesforce refuses URIs much past 16,000 characters
(``URI Too Long``), so ``IN`` lists are cut at ``MAX_IN_CHARS`` of literals as well as at
``MAX_IN_VALUES`` values, leaving room for the rest of the query and its percent-encoding.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime

MAX_IN_VALUES = 200
MAX_IN_CHARS = 4000
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,79}(?:\.[A-Za-z][A-Za-z0-9_]{0,79})?")
_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def quote(value: str) -> str:
    """A SOQL string literal (backslash escapes, per the SOQL reference "Quoted String Escape
    Sequences")."""
    return "'" + "".join(_ESCAPES.get(char, char) for char in value) + "'"


def name(field: str) -> str:
    """``field`` if it is a plain API name, else ``ValueError`` (never spliced unchecked)."""
    if not _NAME.fullmatch(field):
        raise ValueError(f"{field!r} is not a Salesforce field API name")
    return field


def literal_datetime(moment: datetime) -> str:
    """A SOQL dateTime literal in UTC, to the millisecond (truncated: never later)."""
    value = moment.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def in_lists(values: Sequence[str]) -> Iterator[list[str]]:
    """``values`` in runs whose quoted literals stay under the URL budget."""
    run: list[str] = []
    size = 0
    for value in values:
        cost = len(quote(value)) + 1
        if run and (len(run) >= MAX_IN_VALUES or size + cost > MAX_IN_CHARS):
            yield run
            run, size = [], 0
        run.append(value)
        size += cost
    if run:
        yield run


def in_clause(field: str, values: Sequence[str]) -> str:
    """``field IN ('a','b')``."""
    return f"{name(field)} IN ({','.join(quote(v) for v in values)})"


def parse_datetime(text: object) -> datetime | None:
    """A dateTime from a query row (``2026-12-01T10:00:00.000+0000``); None if absent or odd."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
    except ValueError:
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)
        except ValueError:
            return None
