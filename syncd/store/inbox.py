"""The inbox: every response version received, deduplicated on (source, response id)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, Connection, and_, or_, select, update

from syncd.clock import to_ms
from syncd.model import SurveyResponse
from syncd.store.codec import response_from_json, response_to_json
from syncd.store.schema import inbox
from syncd.store.upsert import insert_ignore


def store_response(conn: Connection, response: SurveyResponse, now_ms: int) -> bool:
    """Keep ``response`` unless a same-or-newer version is stored; True if it changed anything."""
    values = _row(response, now_ms)
    if insert_ignore(conn, inbox, {**values, "received_ms": now_ms}):
        return True
    newer = (
        update(inbox)
        .where(_is(response.source, response.response_id), inbox.c.version < response.version)
        .values(**values)
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
        "updated_ms": now_ms,
    }


def _is(source: str, response_id: str) -> ColumnElement[bool]:
    return and_(inbox.c.source == source, inbox.c.response_id == response_id)


def unplanned(conn: Connection, limit: int) -> Sequence[SurveyResponse]:
    """Responses whose newest version has not been planned yet, oldest answer first."""
    query = (
        select(inbox.c.payload)
        .where(or_(inbox.c.planned_version.is_(None), inbox.c.planned_version < inbox.c.version))
        .order_by(inbox.c.submitted_ms, inbox.c.id)
        .limit(limit)
    )
    return [response_from_json(payload) for (payload,) in conn.execute(query)]


def mark_planned(conn: Connection, response: SurveyResponse) -> None:
    """Record that this version is planned, so only a newer one is planned again."""
    conn.execute(
        update(inbox)
        .where(_is(response.source, response.response_id))
        .values(planned_version=response.version)
    )
