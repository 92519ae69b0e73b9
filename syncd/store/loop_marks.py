"""Loop-closed marks: the outbox actions that write a loop's close time onto its contact.

The rule, applied when track queues a mark and again when deliver sends it: a contact's
loop-closed field belongs to the contact's latest answer, the newest one linked to it
(``ix_loops_contact``). A loop whose answer a newer answer has overtaken queues nothing and
writes nothing; the newer answer's contact sync writes its own loop's state (open: cleared).

One mark per loop (key ``source:response:mark_loop``); its version is the CRM time of the change
that closed or reopened the loop, so a later change rewrites a pending, in-flight or done mark
in one set-based upsert, and an older one never overwrites a newer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, case, exists, select
from sqlalchemy.dialects import postgresql, sqlite

from syncd.actions import ActionKind, LoopClosedMark
from syncd.chunks import few_sized_chunks
from syncd.clock import from_ms
from syncd.model import ResponseKey
from syncd.store.action_codec import to_json
from syncd.store.engine import SQLITE_ROWS_PER_INSERT
from syncd.store.outbox import Status, key_for
from syncd.store.schema import loops, outbox
from syncd.store.value_lists import one_of

#: Marks per upsert: 13 values a row stays far below SQLite's limit of bound parameters.
ROWS_PER_STATEMENT = 500


@dataclass(frozen=True, slots=True)
class LoopState:
    """A loop that is its contact's latest answer: the contact, and whether it is closed."""

    key: ResponseKey
    contact_id: str
    closed_ms: int | None
    #: The CRM time of the loop's last task change: the mark's version.
    changed_ms: int


def latest_loops(
    conn: Connection, crm: str, keys: Collection[ResponseKey]
) -> dict[ResponseKey, LoopState]:
    """Those of ``keys`` whose loop is linked to a contact that has no newer linked answer.

    One query per source (``latest_query``).
    """
    found: dict[ResponseKey, LoopState] = {}
    for source, response_ids in _by_source(keys).items():
        for row in conn.execute(latest_query(crm, source, response_ids)):
            key = ResponseKey(source, row.response_id)
            found[key] = LoopState(key, row.contact_id, row.closed_ms, row.task_modified_ms or 0)
    return found


def latest_query(crm: str, source: str, response_ids: Sequence[str]) -> Select[Any]:
    """The loops by primary key; the newer answer looked for in ``ix_loops_contact``."""
    newer = loops.alias()
    overtaken = exists().where(
        newer.c.crm == loops.c.crm,
        newer.c.contact_id == loops.c.contact_id,
        newer.c.response_ms > loops.c.response_ms,
    )
    return select(
        loops.c.response_id, loops.c.contact_id, loops.c.closed_ms, loops.c.task_modified_ms
    ).where(
        loops.c.source == source,
        one_of(loops.c.response_id, response_ids),
        loops.c.crm == crm,
        loops.c.contact_id.is_not(None),
        ~overtaken,
    )


def closed_times(conn: Connection, keys: Collection[ResponseKey]) -> dict[ResponseKey, int]:
    """Each closed loop's close time (epoch ms), by primary key, one query per source."""
    found: dict[ResponseKey, int] = {}
    for source, response_ids in _by_source(keys).items():
        query = select(loops.c.response_id, loops.c.closed_ms).where(
            loops.c.source == source,
            one_of(loops.c.response_id, response_ids),
            loops.c.closed_ms.is_not(None),
        )
        found.update({ResponseKey(source, r.response_id): r.closed_ms for r in conn.execute(query)})
    return found


def _by_source(keys: Collection[ResponseKey]) -> dict[str, list[str]]:
    by_source: dict[str, set[str]] = defaultdict(set)
    for key in keys:
        by_source[key.source].add(key.response_id)
    return {source: sorted(ids) for source, ids in by_source.items()}


def queue_marks(conn: Connection, crm: str, keys: Sequence[ResponseKey], now_ms: int) -> int:
    """Queue the mark of every loop in ``keys`` that is its contact's latest answer.

    Called in the transaction that stamped the close or reopen. One read and one upsert per
    batch; returns how many marks were inserted or rewritten.
    """
    states = latest_loops(conn, crm, keys)
    if not states:
        return 0
    rows = [_row(crm, state, now_ms) for state in states.values()]
    queued = 0
    # Each row count is its own statement text, prepared and cached per connection (and
    # compiled and cached by SQLAlchemy): the rows go in a few page sizes, not any count.
    size = SQLITE_ROWS_PER_INSERT if conn.dialect.name == "sqlite" else ROWS_PER_STATEMENT
    for chunk in few_sized_chunks(rows, size):
        queued += len(conn.execute(_upsert(conn.dialect.name, chunk)).all())
    return queued


def _row(crm: str, state: LoopState, now_ms: int) -> dict[str, object]:
    closed = None if state.closed_ms is None else from_ms(state.closed_ms)
    return {
        "key": key_for(state.key.source, state.key.response_id, ActionKind.MARK_LOOP),
        "crm": crm,
        "kind": ActionKind.MARK_LOOP.value,
        "source": state.key.source,
        "response_id": state.key.response_id,
        "version": state.changed_ms,
        "depends_on": None,
        "payload": to_json(LoopClosedMark(state.contact_id, closed)),
        "status": Status.PENDING.value,
        "attempts": 0,
        "next_attempt_ms": now_ms,
        "created_ms": now_ms,
        "updated_ms": now_ms,
    }


def _upsert(dialect_name: str, rows: Sequence[dict[str, object]]) -> Any:
    """Insert, or rewrite a stored mark of an older version (as ``outbox`` rewrites actions).

    An in-flight mark stays in flight with its new content: ``complete`` sees the newer version
    and makes it due again, so the newest state is always the last one sent.
    """
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    # One multi-row VALUES: an executemany of an upsert would run a statement per row.
    statement = dialect.insert(outbox).values(list(rows))
    new = statement.excluded
    in_flight = outbox.c.status == Status.IN_FLIGHT.value
    return statement.on_conflict_do_update(
        index_elements=[outbox.c.key],
        set_={
            "payload": new.payload,
            "version": new.version,
            "status": case((in_flight, Status.IN_FLIGHT.value), else_=Status.PENDING.value),
            "attempts": case((in_flight, outbox.c.attempts), else_=0),
            "next_attempt_ms": new.next_attempt_ms,
            "last_error": None,
            "updated_ms": new.updated_ms,
        },
        where=outbox.c.version < new.version,
    ).returning(outbox.c.key)
