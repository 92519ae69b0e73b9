"""What deliver records on loop records, a whole batch per statement (executemany)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, select, update

from syncd.model import ResponseKey, TaskState
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


_THIS_LOOP = (
    loops.c.source == bindparam("b_source"),
    loops.c.response_id == bindparam("b_response"),
)
_SET_CONTACT = (
    update(loops)
    .where(*_THIS_LOOP)
    .values(
        contact_id=bindparam("b_contact"),
        contact_owner_id=bindparam("b_owner"),
        updated_ms=bindparam("b_now"),
    )
)
#: The first task recorded stays.
_SET_TASK = (
    update(loops)
    .where(*_THIS_LOOP, loops.c.task_id.is_(None))
    .values(
        task_id=bindparam("b_task"),
        owner_id=bindparam("b_owner"),
        owner_via=bindparam("b_via"),
        task_created_ms=bindparam("b_now"),
        task_state=TaskState.OPEN.value,
        updated_ms=bindparam("b_now"),
    )
)


def set_contacts(conn: Connection, links: Sequence[ContactLink], now_ms: int) -> None:
    """Link each loop to its contact and that contact's owner."""
    if links:
        conn.execute(
            _SET_CONTACT,
            [
                {**_loop(link.key), "b_contact": link.contact_id, "b_owner": link.owner_id}
                | {"b_now": now_ms}
                for link in links
            ],
        )


def set_tasks(conn: Connection, links: Sequence[TaskLink], now_ms: int) -> None:
    """Record each loop's created task and owner; a loop that has a task keeps it."""
    if links:
        conn.execute(
            _SET_TASK,
            [
                {**_loop(link.key), "b_task": link.task_id, "b_owner": link.owner_id}
                | {"b_via": link.via, "b_now": now_ms}
                for link in links
            ],
        )


def _loop(key: ResponseKey) -> dict[str, str]:
    return {"b_source": key.source, "b_response": key.response_id}


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
