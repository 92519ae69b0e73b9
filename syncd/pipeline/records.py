"""One page of a source into the store: each response into the inbox, each rejection into the
quarantine (once), each skip counted.

Every response is written under its own savepoint: a value the store refuses (text it cannot
encode, an id longer than its column) quarantines that one response with the store's reason,
instead of failing the page and, with it, every later pass over the same data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import structlog
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from syncd.model import Rejected, SourcePage, SurveyResponse
from syncd.store import inbox, quarantine
from syncd.store.codec import response_to_json

log = structlog.get_logger(__name__)

#: The quarantine's response id column; a longer or unencodable id is kept in the payload only.
_MAX_ID = 200
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
#: How a store says no to a value: the driver cannot encode it, or the database rejects it.
_REFUSALS = (SQLAlchemyError, UnicodeError, ValueError)


def keep_page(conn: Connection, page: SourcePage, now_ms: int) -> tuple[int, int, int, int]:
    """Store ``page``; returns (responses read, stored or changed, newly quarantined, skipped)."""
    stored, rejected = _store_all(conn, page.responses, now_ms)
    for item in page.rejected:
        rejected += _quarantine(conn, item, "malformed", now_ms)
    return len(page.responses), stored, rejected, page.skipped


def _store_all(
    conn: Connection, responses: Sequence[SurveyResponse], now_ms: int
) -> tuple[int, int]:
    # One savepoint for the page; only when the store refuses something is it redone with one
    # savepoint per response, to find the response at fault.
    try:
        with conn.begin_nested():
            return inbox.store_responses(conn, responses, now_ms), 0
    except _REFUSALS:
        pass
    stored = rejected = 0
    for response in responses:
        outcome = _store(conn, response, now_ms)
        if isinstance(outcome, Rejected):
            rejected += _quarantine(conn, outcome, "unstorable", now_ms)
        else:
            stored += outcome
    return stored, rejected


def _store(conn: Connection, response: SurveyResponse, now_ms: int) -> int | Rejected:
    try:
        with conn.begin_nested():
            return int(inbox.store_response(conn, response, now_ms))
    except _REFUSALS as error:
        reason = f"the store refused this response: {_first_line(error)}"
        return Rejected(
            source=response.source,
            response_id=response.response_id,
            reason=reason,
            payload=response_to_json(response),
        )


def _quarantine(conn: Connection, item: Rejected, reason_code: str, now_ms: int) -> int:
    # Listings overlap, so the same bad item comes back; count and log it once.
    response_id, reason = _storable_id(item.response_id), _UNSTORABLE.sub("\ufffd", item.reason)
    added = quarantine.add(
        conn,
        source=item.source,
        response_id=response_id,
        stage="poll",
        reason_code=reason_code,
        reason=reason,
        payload=item.payload,
        now_ms=now_ms,
    )
    if added:
        log.warning(
            "response quarantined", source=item.source, response_id=response_id, reason=reason
        )
    return int(added)


def _storable_id(response_id: str | None) -> str | None:
    if response_id is None or len(response_id) > _MAX_ID or _UNSTORABLE.search(response_id):
        return None
    return response_id


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    first = text[0] if text else type(error).__name__
    return _UNSTORABLE.sub("\ufffd", first[:200])
