"""Deliver ``mark_loop``: write when the follow-up of a contact's latest answer closed.

Track queued each mark in the transaction that closed or reopened its loop. Here the rule is
checked again against the store as it is now (``loop_marks.latest_loops``): a mark whose answer a
newer one has overtaken since is settled as superseded without a call, because the newer
answer's contact sync wrote (or will write) that answer's own loop state. The rest go to the
CRM as contact updates without NPS fields, one ``update_contacts`` call per batch.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection

from syncd.actions import LoopClosedMark, body_as
from syncd.errors import SyncdError
from syncd.model import ContactUpdate, ResponseKey
from syncd.pipeline.deliver.context import DeliverContext, OnSuccess, record
from syncd.pipeline.deliver.unchanged import MARKED
from syncd.store import keyed, loop_marks
from syncd.store.outbox import Action

SUPERSEDED = "superseded"
#: The CRM has no loop-closed field (any more): a mark queued before is settled unsent.
NOT_WRITTEN = "not written"


def deliver_marks(ctx: DeliverContext, actions: Sequence[Action]) -> None:
    """Write each mark that still belongs to its contact's latest answer; record outcomes."""
    outcomes: dict[str, str | SyncdError] = {}
    updates = _updates(ctx, actions, outcomes)
    try:
        outcomes.update(ctx.crm.update_contacts(updates) if updates else {})
    except SyncdError as error:
        outcomes.update({update.key: error for update in updates})
    record(ctx, actions, outcomes, _on_success(ctx, {u.key for u in updates}))


def _updates(
    ctx: DeliverContext, actions: Sequence[Action], outcomes: dict[str, str | SyncdError]
) -> list[ContactUpdate]:
    """One update per contact; marks overtaken, or with nowhere to go, settle without a call."""
    if not ctx.crm.writes_loop_closed:
        outcomes.update({action.key: NOT_WRITTEN for action in actions})
        return []
    keys = {action.key: ResponseKey(action.source, action.response_id) for action in actions}
    with ctx.engine.connect() as conn:
        latest = loop_marks.latest_loops(conn, ctx.crm.name, keys.values())
    per_contact: dict[str, ContactUpdate] = {}
    for action in actions:
        mark = body_as(action.payload, LoopClosedMark)
        state = latest.get(keys[action.key])
        if state is None or state.contact_id != mark.contact_id:
            outcomes[action.key] = SUPERSEDED
            continue
        if (earlier := per_contact.get(mark.contact_id)) is not None:
            outcomes[earlier.key] = SUPERSEDED  # two answers of the same instant: one wins
        per_contact[mark.contact_id] = ContactUpdate(
            action.key, mark.contact_id, None, mark.closed_at
        )
    return list(per_contact.values())


def _on_success(ctx: DeliverContext, sent: set[str]) -> OnSuccess:
    def count_and_forget(conn: Connection, succeeded: Sequence[tuple[Action, str]]) -> None:
        written = {_contact_of(action): MARKED for action, _ in succeeded if action.key in sent}
        ctx.result.loops_marked += len(written)
        ctx.result.contacts_superseded += sum(value == SUPERSEDED for _, value in succeeded)
        # The contact now holds fields no digest describes: the next contact sync writes.
        keyed.set_digests(conn, ctx.crm.name, written, ctx.now_ms())

    return count_and_forget


def _contact_of(action: Action) -> str:
    return body_as(action.payload, LoopClosedMark).contact_id
