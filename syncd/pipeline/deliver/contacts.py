"""Deliver ``sync_contact``: find contacts by email, write the NPS fields onto them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection

from syncd.clock import to_ms
from syncd.errors import ContactNotFound, SyncdError
from syncd.model import Contact, ContactUpdate, NpsCategory, NpsFields, ResponseKey
from syncd.pipeline.deliver.context import DeliverContext, OnSuccess, fail_all, record
from syncd.store import loops
from syncd.store.outbox import Action

SUPERSEDED = "superseded"


def deliver_contacts(ctx: DeliverContext, actions: Sequence[Action]) -> None:
    emails = sorted({str(a.payload["email"]).lower() for a in actions})
    try:
        contacts = ctx.crm.find_contacts(emails)
    except SyncdError as error:
        fail_all(ctx, actions, error)
        return
    outcomes: dict[str, str | SyncdError] = {}
    updates = _updates(ctx, actions, contacts, outcomes)
    try:
        outcomes.update(ctx.crm.update_contacts(updates))
    except SyncdError as error:
        outcomes.update({update.key: error for update in updates})
    record(ctx, actions, outcomes, _on_success(ctx, contacts))


def _updates(
    ctx: DeliverContext,
    actions: Sequence[Action],
    contacts: Mapping[str, Contact],
    outcomes: dict[str, str | SyncdError],
) -> list[ContactUpdate]:
    """One update per contact, from its latest answer; older answers are marked superseded."""
    latest: dict[str, Action] = {}
    for action in sorted(actions, key=_responded_at):
        contact = contacts.get(_email(action))
        if contact is None:
            outcomes[action.key] = ContactNotFound(
                f"no contact with email {_email(action)} in {ctx.crm.name}"
            )
        elif _newer_already_synced(ctx, action):
            outcomes[action.key] = SUPERSEDED
        else:
            if contact.id in latest:
                outcomes[latest[contact.id].key] = SUPERSEDED
            latest[contact.id] = action
    return [ContactUpdate(a.key, cid, _fields(a)) for cid, a in latest.items()]


def _newer_already_synced(ctx: DeliverContext, action: Action) -> bool:
    with ctx.engine.connect() as conn:
        return loops.newer_response_synced(conn, _email(action), to_ms(_responded_at(action)))


def _on_success(ctx: DeliverContext, contacts: Mapping[str, Contact]) -> OnSuccess:
    def link_loop(conn: Connection, action: Action, value: str) -> None:
        contact = contacts[_email(action)]
        key = ResponseKey(action.source, action.response_id)
        loops.set_contact(conn, key, contact.id, contact.owner_id, ctx.now_ms())
        if value == SUPERSEDED:
            ctx.result.contacts_superseded += 1
        else:
            ctx.result.contacts_updated += 1

    return link_loop


def _email(action: Action) -> str:
    return str(action.payload["email"]).lower()


def _responded_at(action: Action) -> datetime:
    return datetime.fromisoformat(str(action.payload["responded_at"]))


def _fields(action: Action) -> NpsFields:
    p = action.payload
    return NpsFields(
        score=int(p["score"]),
        category=NpsCategory(p["category"]),
        responded_at=_responded_at(action),
        comment=p.get("comment"),
        link=p.get("link"),
        survey=p.get("survey"),
        source=p.get("source"),
    )
