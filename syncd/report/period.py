"""What a report covers: answers from ``since`` (inclusive) to ``until`` (exclusive), one source."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement

from syncd.clock import to_ms


@dataclass(frozen=True, slots=True)
class Period:
    """The report's filters, as epoch milliseconds (None: unbounded / every source)."""

    since_ms: int | None = None
    until_ms: int | None = None
    source: str | None = None

    @classmethod
    def of(
        cls, since: datetime | None, until: datetime | None, source: str | None = None
    ) -> Period:
        """From command-line times; a time without zone is UTC, like every time in the store."""
        return cls(_ms(since), _ms(until), source)

    def on(
        self, answered: ColumnElement[Any], source: ColumnElement[Any] | None = None
    ) -> list[ColumnElement[bool]]:
        """The filters as conditions on an answer-time column and a source column."""
        conditions: list[ColumnElement[bool]] = []
        if self.since_ms is not None:
            conditions.append(answered >= self.since_ms)
        if self.until_ms is not None:
            conditions.append(answered < self.until_ms)
        if self.source is not None and source is not None:
            conditions.append(source == self.source)
        return conditions


def _ms(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    # datetime.timestamp() would read a naive value as local time; the store is UTC throughout.
    return to_ms(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
