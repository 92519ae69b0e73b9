"""The inbox: every response version received, deduplicated on (source, response id)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    FromClause,
    Select,
    String,
    and_,
    select,
    true,
    update,
)
from sqlalchemy.sql.dml import Update

from syncd.clock import to_ms
from syncd.model import SurveyResponse
from syncd.store.batch_rows import BatchUpdate
from syncd.store.codec import response_from_json, response_to_json
from syncd.store.schema import inbox
from syncd.store.upsert import insert_ignore, insert_ignore_many
from syncd.store.value_lists import one_of


def store_response(conn: Connection, response: SurveyResponse, now_ms: int) -> bool:
    """Keep ``response`` unless a same-or-newer version is stored; True if it changed anything."""
    values = _row(response, now_ms)
    if insert_ignore(conn, inbox, {**values, "received_ms": now_ms}):
        return True
    return _store_newer(conn, response, now_ms)


def store_responses(conn: Connection, responses: Sequence[SurveyResponse], now_ms: int) -> int:
    """``store_response`` for a page: one multi-row insert, then the already-known one by one.

    Returns how many it stored or changed.
    """
    keys = {(r.source, r.response_id) for r in responses}
    if len(keys) < len(responses):  # the same answer twice in a page: order decides, go singly
        return sum(store_response(conn, r, now_ms) for r in responses)
    rows = [{**_row(r, now_ms), "received_ms": now_ms} for r in responses]
    inserted = insert_ignore_many(conn, inbox, rows, (inbox.c.source, inbox.c.response_id))
    known = [r for r in responses if (r.source, r.response_id) not in inserted]
    # Re-reads (overlapping polls, replayed webhooks, a re-run import) are mostly versions the
    # inbox already holds: one select finds them, so only real updates cost a statement each.
    held = _stored_versions(conn, known)
    newer = [r for r in known if held.get((r.source, r.response_id), -1) < r.version]
    return len(inserted) + sum(_store_newer(conn, r, now_ms) for r in newer)


def _stored_versions(
    conn: Connection, responses: Sequence[SurveyResponse]
) -> dict[tuple[str, str], int]:
    """The stored version of each response, in one statement per source."""
    held: dict[tuple[str, str], int] = {}
    for source in {r.source for r in responses}:
        ids = [r.response_id for r in responses if r.source == source]
        query = select(inbox.c.response_id, inbox.c.version).where(
            inbox.c.source == source, one_of(inbox.c.response_id, ids)
        )
        held.update({(source, rid): version for rid, version in conn.execute(query)})
    return held


def _store_newer(conn: Connection, response: SurveyResponse, now_ms: int) -> bool:
    newer = (
        update(inbox)
        .where(_is(response.source, response.response_id), inbox.c.version < response.version)
        .values(**_row(response, now_ms))
    )
    return conn.execute(newer).rowcount == 1


def _row(response: SurveyResponse, now_ms: int) -> dict[str, object]:
    return {
        "source": response.source,
        "response_id": response.response_id,
        "version": response.version,
        "score": response.score,
        "category": response.category.value,
        "email": response.email,
        "submitted_ms": to_ms(response.submitted_at),
        "payload": response_to_json(response),
        "needs_plan": True,
        "updated_ms": now_ms,
    }


def _is(source: str, response_id: str) -> ColumnElement[bool]:
    return and_(inbox.c.source == source, inbox.c.response_id == response_id)


def unplanned(conn: Connection, limit: int) -> Sequence[SurveyResponse]:
    """Responses whose newest version has not been planned yet, oldest answer first.

    Read from the front of ``ix_inbox_to_plan``: the cost is the batch, not the inbox.
    """
    return [response_from_json(payload) for (payload,) in conn.execute(unplanned_query(limit))]


def unplanned_query(limit: int) -> Select[str]:
    """The payloads of the first ``limit`` responses to plan, in answer order."""
    return (
        select(inbox.c.payload)
        .where(inbox.c.needs_plan == true())
        .order_by(inbox.c.submitted_ms, inbox.c.id)
        .limit(limit)
    )


def _mark_planned(rows: FromClause) -> Update:
    """The version planned, and whether a newer one arrived since it was read (then the
    response stays queued for the next batch)."""
    return (
        update(inbox)
        .where(inbox.c.source == rows.c.source, inbox.c.response_id == rows.c.response)
        .values(planned_version=rows.c.version, needs_plan=inbox.c.version > rows.c.version)
    )


#: A response twice in one batch ends as its last version planned, as one update after another.
_MARK_PLANNED = BatchUpdate(
    {"source": String(), "response": String(), "version": BigInteger()}, _mark_planned, key_width=2
)


def mark_planned(conn: Connection, response: SurveyResponse) -> None:
    """Record that this version is planned, so only a newer one is planned again."""
    mark_all_planned(conn, [response])


def mark_all_planned(conn: Connection, responses: Iterable[SurveyResponse]) -> None:
    """``mark_planned`` for a whole batch, in one statement."""
    _MARK_PLANNED.execute(conn, [(r.source, r.response_id, r.version) for r in responses])
