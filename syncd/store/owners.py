"""The CRM's owners as last listed: routing reads them, the report names people with them."""

from __future__ import annotations

import json
from collections.abc import Sequence

from sqlalchemy import Connection, delete, insert, select

from syncd.model import Owner
from syncd.store.schema import owners


def replace(conn: Connection, crm: str, listed: Sequence[Owner], now_ms: int) -> None:
    """Replace the stored owner list of ``crm`` with the one just listed."""
    conn.execute(delete(owners).where(owners.c.crm == crm))
    if listed:
        conn.execute(
            insert(owners),
            [
                {
                    "crm": crm,
                    "id": o.id,
                    "email": o.email,
                    "name": o.name,
                    "teams": json.dumps(sorted(o.teams)),
                    "active": o.active,
                    "updated_ms": now_ms,
                }
                for o in listed
            ],
        )


def load(conn: Connection, crm: str) -> Sequence[Owner]:
    """The last listed owners of ``crm``, by id; empty before the first listing."""
    rows = conn.execute(select(owners).where(owners.c.crm == crm).order_by(owners.c.id))
    return [
        Owner(
            id=r.id,
            email=r.email,
            name=r.name,
            teams=frozenset(json.loads(r.teams)),
            active=bool(r.active),
        )
        for r in rows
    ]
