"""Contact writes and task creates go out on two threads, and a pass still delivers everything."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select

from syncd.clock import to_ms, utcnow
from syncd.runtime.compose import build_daemon
from syncd.runtime.demo import Sandbox
from syncd.sandbox.http import Request, Response
from syncd.store import outbox
from syncd.store.outbox import ActionKind, Status
from syncd.store.schema import outbox as outbox_table
from tests.e2e.helpers import delighted_of, hubspot_of, sandbox_settings

CONTACT_UPDATE = "/contacts/batch/update"
TASK_CREATE = "/tasks/batch/create"


@dataclass(frozen=True)
class Call:
    path: str
    began: float
    ended: float


def _record_calls(sandbox: Sandbox, stall: dict[str, float]) -> list[Call]:
    """Every CRM request's path and times; a request whose path ends in a ``stall`` key waits."""
    server = sandbox.servers[1]._server
    handle = server.app
    calls: list[Call] = []
    lock = threading.Lock()

    def recorded(request: Request) -> Response:
        began = time.monotonic()
        for suffix, seconds in stall.items():
            if request.path.endswith(suffix):
                time.sleep(seconds)
        response = handle(request)
        with lock:
            calls.append(Call(request.path, began, time.monotonic()))
        return response

    server.app = recorded
    return calls


def _seed(sandbox: Sandbox, emails: list[str]) -> None:
    hubspot = hubspot_of(sandbox)
    hubspot.add_owner("sam@acme.example", "Sam", "Ortiz", teams=["Support"])
    for email in emails:
        hubspot.add_contact(email)
        delighted_of(sandbox).add_response(email=email, score=2)


def test_contacts_are_written_while_a_task_create_waits_on_the_crm(tmp_path: Path) -> None:
    # One action per batch, and slow CRM writes: the second answer's contact write can only
    # overlap the first answer's task create if the two kinds are delivered on threads of their
    # own (one thread takes a batch of each kind in turn).
    emails = ["ana@client.example", "ben@client.example", "cy@client.example"]
    with sandbox_settings(tmp_path / "data", SYNCD__DELIVERY__BATCH_SIZE="1") as (
        sandbox,
        settings,
    ):
        _seed(sandbox, emails)
        calls = _record_calls(sandbox, {TASK_CREATE: 1.0, CONTACT_UPDATE: 0.3})
        daemon = build_daemon(settings)
        try:
            summary = daemon.run_once()
        finally:
            daemon.close()
    creates = [call for call in calls if call.path.endswith(TASK_CREATE)]
    updates = [call for call in calls if call.path.endswith(CONTACT_UPDATE)]
    assert summary.deliver.tasks_created == 3
    assert summary.deliver.contacts_updated == 3
    first = min(creates, key=lambda call: call.began)
    assert any(first.began < update.began < first.ended for update in updates), calls


def test_tasks_released_after_the_task_lane_went_idle_go_out_in_the_same_pass(
    tmp_path: Path,
) -> None:
    # The contact write is slow: the task lane, nudged by the plan, finds nothing ready and goes
    # idle. Each contacts round must wake it again, or the tasks wait for the next pass.
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        _seed(sandbox, ["ana@client.example"])
        _record_calls(sandbox, {CONTACT_UPDATE: 1.0})
        daemon = build_daemon(settings)
        try:
            summary = daemon.run_once()
            engine = daemon.engine
            left = _unsent_tasks(engine)
        finally:
            daemon.close()
    assert summary.deliver.tasks_created == 1
    assert summary.deliver.contacts_updated == 1
    assert left == 0


def _unsent_tasks(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).where(
                    outbox_table.c.kind == ActionKind.CREATE_TASK.value,
                    outbox_table.c.status != Status.DONE.value,
                )
            ).scalar_one()
        )


def test_a_lane_hands_back_only_its_own_kinds(tmp_path: Path) -> None:
    # A lane that fails hands back its claims; the other lane's, still being sent, stay claimed.
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        _seed(sandbox, ["ana@client.example", "ben@client.example"])
        daemon = build_daemon(settings)
        try:
            engine = daemon.engine
            daemon.run_once()  # two contact syncs and two task creates in the outbox
            now_ms = to_ms(utcnow())
            with engine.begin() as conn:
                conn.execute(
                    outbox_table.update().values(
                        status=Status.IN_FLIGHT.value, claimed_by="me", lease_until_ms=now_ms * 2
                    )
                )
                outbox.release(conn, "me", now_ms, {ActionKind.CREATE_TASK})
                kept: dict[str, int] = dict(
                    conn.execute(
                        select(outbox_table.c.kind, func.count())
                        .where(outbox_table.c.status == Status.IN_FLIGHT.value)
                        .group_by(outbox_table.c.kind)
                    ).all()
                )
        finally:
            daemon.close()
    assert kept == {ActionKind.SYNC_CONTACT.value: 2}
