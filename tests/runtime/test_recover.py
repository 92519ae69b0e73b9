"""Startup recovery takes back this instance's own claims; on PostgreSQL nobody else's."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Engine, select

from syncd.contracts import Crm
from syncd.runtime.daemon import Daemon
from syncd.settings import CrmSettings, Settings, SourceSettings
from syncd.store import outbox
from syncd.store.outbox import ActionKind, NewAction
from syncd.store.schema import outbox as outbox_table
from tests.bodies import body


def _claimed_by(engine: Engine, holder: str, response_id: str) -> None:
    action = NewAction(
        key=f"d:{response_id}:sync_contact",
        crm="crm",
        source="d",
        response_id=response_id,
        version=1,
        payload=body(ActionKind.SYNC_CONTACT),
    )
    with engine.begin() as conn:
        outbox.enqueue(conn, action, 0)
        outbox.claim(conn, "crm", ActionKind.SYNC_CONTACT, holder, 10, 0, 3_600_000)


def test_recovery_releases_the_previous_lifes_claims(engine: Engine) -> None:
    _claimed_by(engine, "host-a", "r1")
    _claimed_by(engine, "host-b", "r2")
    settings = Settings(sources={"d": SourceSettings(kind="delighted")}, crm=CrmSettings(kind="x"))
    Daemon(settings, engine, {}, cast(Crm, object()), holder="host-a").recover()
    with engine.connect() as conn:
        rows = {r.response_id: r.claimed_by for r in conn.execute(select(outbox_table))}
    # SQLite: the store lock makes this the only process, so every claim was a dead one's.
    assert rows == {"r1": None, "r2": None if engine.dialect.name == "sqlite" else "host-b"}
