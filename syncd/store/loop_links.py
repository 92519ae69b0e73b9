"""What deliver records on loop records, a whole batch per statement (``BatchUpdate``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, Connection, FromClause, String, bindparam, select, update
from sqlalchemy.sql.dml import Update

from syncd.model import ResponseKey, TaskState
from syncd.store.batch_rows import BatchUpdate
from syncd.store.schema import loops
from syncd.store.value_lists import one_of


@dataclass(frozen=True, slots=True)
class ContactLink:
    """The contact deliver found for a loop's answer, and that contact's owner."""

    key: ResponseKey
    contact_id: str
    owner_id: str | None


@dataclass(frozen=True, slots=True)
class TaskLink:
    """The task deliver created for a loop, its owner, and how the owner was chosen."""

    key: ResponseKey
    task_id: str
    owner_id: str | None
    via: str


def _set_contact(rows: FromClause) -> Update:
    return (
        update(loops)
        .where(loops.c.source == rows.c.source, loops.c.response_id == rows.c.response)
        .values(
            contact_id=rows.c.contact,
            contact_owner_id=rows.c.owner,
            updated_ms=bindparam("b_now", type_=BigInteger),
        )
    )


def _set_task(rows: FromClause) -> Update:
    """The first task recorded stays."""
    now = bindparam("b_now", type_=BigInteger)
    return (
        update(loops)
        .where(
            loops.c.source == rows.c.source,
            loops.c.response_id == rows.c.response,
            loops.c.task_id.is_(None),
        )
        .values(
            task_id=rows.c.task,
            owner_id=rows.c.owner,
            owner_via=rows.c.via,
            task_created_ms=now,
            task_state=TaskState.OPEN.value,
            updated_ms=now,
        )
    )


_LOOP_KEY = {"source": String(), "response": String()}
#: A loop linked twice in one batch keeps the last contact, as one update after another would.
_SET_CONTACT = BatchUpdate(
    {**_LOOP_KEY, "contact": String(), "owner": String()}, _set_contact, key_width=2
)
#: A loop keeps its first task: the first of a repeated loop is the one that lands.
_SET_TASK = BatchUpdate(
    {**_LOOP_KEY, "task": String(), "owner": String(), "via": String()},
    _set_task,
    key_width=2,
    first_wins=True,
)


def set_contacts(conn: Connection, links: Sequence[ContactLink], now_ms: int) -> None:
    """Link each loop to its contact and that contact's owner."""
    rows = [
        (link.key.source, link.key.response_id, link.contact_id, link.owner_id) for link in links
    ]
    _SET_CONTACT.execute(conn, rows, b_now=now_ms)


def set_tasks(conn: Connection, links: Sequence[TaskLink], now_ms: int) -> None:
    """Record each loop's created task and owner; a loop that has a task keeps it."""
    rows = [
        (link.key.source, link.key.response_id, link.task_id, link.owner_id, link.via)
        for link in links
    ]
    _SET_TASK.execute(conn, rows, b_now=now_ms)


def contacts_of(
    conn: Connection, keys: Collection[ResponseKey]
) -> Mapping[ResponseKey, tuple[str | None, str | None]]:
    """Each loop's contact id and contact owner id, one query per source; absent: no loop."""
    by_source: dict[str, list[str]] = defaultdict(list)
    for key in keys:
        by_source[key.source].append(key.response_id)
    found: dict[ResponseKey, tuple[str | None, str | None]] = {}
    for source, response_ids in by_source.items():
        query = select(loops.c.response_id, loops.c.contact_id, loops.c.contact_owner_id).where(
            loops.c.source == source, one_of(loops.c.response_id, response_ids)
        )
        for response_id, contact_id, owner_id in conn.execute(query):
            found[ResponseKey(source, response_id)] = (contact_id, owner_id)
    return found
