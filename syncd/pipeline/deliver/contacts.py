"""Deliver ``sync_contact``: find each respondent's contact, write the NPS fields onto it.

Contacts are looked up by the identifiers ``[crm] match_contacts_by`` lists, in that order, with
one CRM call per identifier per batch; the first identifier that finds a contact wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection

from syncd.actions import ContactSync, body_as
from syncd.clock import from_ms, to_ms
from syncd.errors import ContactNotFound, SyncdError
from syncd.model import Contact, ContactUpdate, Respondent, ResponseKey
from syncd.pipeline.deliver.context import DeliverContext, OnSuccess, record
from syncd.pipeline.deliver.history import add_history
from syncd.pipeline.deliver.unchanged import Split, split_unchanged
from syncd.pipeline.deliver.unknown import create_missing
from syncd.store import keyed, loop_links, loop_marks, loops
from syncd.store.loop_links import ContactLink
from syncd.store.outbox import Action

SUPERSEDED = "superseded"


def deliver_contacts(ctx: DeliverContext, actions: Sequence[Action]) -> None:
    """Find each action's contact and write its latest answer's NPS fields; record outcomes."""
    outcomes: dict[str, str | SyncdError] = {}
    contacts = _resolve(ctx, actions, outcomes)
    contacts.update(create_missing(ctx, actions, contacts, outcomes))
    split = split_unchanged(ctx, _updates(ctx, actions, contacts, outcomes))
    outcomes.update(split.unchanged)
    try:
        outcomes.update(ctx.crm.update_contacts(split.send) if split.send else {})
    except SyncdError as error:
        outcomes.update({update.key: error for update in split.send})
    add_history(ctx, actions, contacts, outcomes)
    record(ctx, actions, outcomes, _on_success(ctx, contacts, split))


def _resolve(
    ctx: DeliverContext, actions: Sequence[Action], outcomes: dict[str, str | SyncdError]
) -> dict[str, Contact]:
    """Each action's contact, by action key; actions no identifier matched are absent.

    When a lookup fails, the actions still unresolved get its error: the failed identifier
    might have found them, so a later one must not decide in its place.
    """
    found: dict[str, Contact] = {}
    for match in ctx.match_by:
        wanted = {
            action.key: value
            for action in actions
            if action.key not in found
            and (value := respondent_of(action).get(match.identifier)) is not None
        }
        if not wanted:
            continue
        try:
            contacts = ctx.crm.find_contacts(match.field, sorted(set(wanted.values())))
        except SyncdError as error:
            outcomes.update({a.key: error for a in actions if a.key not in found})
            break
        found.update({key: contacts[v] for key, v in wanted.items() if v in contacts})
    return found


def _updates(
    ctx: DeliverContext,
    actions: Sequence[Action],
    contacts: Mapping[str, Contact],
    outcomes: dict[str, str | SyncdError],
) -> list[ContactUpdate]:
    """One update per contact, from its latest answer; older answers are marked superseded."""
    synced = _latest_synced(ctx, contacts.values())
    latest: dict[str, Action] = {}
    for action in sorted(actions, key=_responded_at):
        contact = contacts.get(action.key)
        if action.key in outcomes:
            continue  # its lookup failed
        if contact is None:
            outcomes[action.key] = ContactNotFound(_not_found(ctx, action))
        elif synced.get(contact.id, -1) > to_ms(_responded_at(action)):
            outcomes[action.key] = SUPERSEDED
        else:
            if contact.id in latest:
                outcomes[latest[contact.id].key] = SUPERSEDED
            latest[contact.id] = action
    closed = _closed_times(ctx, latest.values())
    return [
        ContactUpdate(a.key, cid, _sync(a).fields, closed.get(_loop_of(a)))
        for cid, a in latest.items()
    ]


def _closed_times(ctx: DeliverContext, actions: Iterable[Action]) -> Mapping[ResponseKey, datetime]:
    """When each answer's own loop closed, where the CRM writes it: a re-sent answer whose loop
    is closed keeps its time; any other answer's write clears what an older answer left."""
    if not ctx.crm.writes_loop_closed:
        return {}
    with ctx.engine.connect() as conn:
        closed = loop_marks.closed_times(conn, [_loop_of(action) for action in actions])
    return {key: from_ms(ms) for key, ms in closed.items()}


def _loop_of(action: Action) -> ResponseKey:
    return ResponseKey(action.source, action.response_id)


def _latest_synced(ctx: DeliverContext, contacts: Iterable[Contact]) -> Mapping[str, int]:
    with ctx.engine.connect() as conn:
        return loops.latest_synced_ms(conn, ctx.crm.name, {contact.id for contact in contacts})


def _not_found(ctx: DeliverContext, action: Action) -> str:
    respondent = respondent_of(action)
    tried = [
        f"{match.field.property or 'email'} {value!r}"
        for match in ctx.match_by
        if (value := respondent.get(match.identifier)) is not None
    ]
    if not tried:
        configured = ", ".join(str(match) for match in ctx.match_by)
        return f"the answer carries none of the identifiers match_contacts_by lists ({configured})"
    return f"no contact in {ctx.crm.name} has {' or '.join(tried)}"


def _on_success(ctx: DeliverContext, contacts: Mapping[str, Contact], split: Split) -> OnSuccess:
    def link_loops(conn: Connection, succeeded: Sequence[tuple[Action, str]]) -> None:
        links = [
            ContactLink(
                ResponseKey(action.source, action.response_id),
                contacts[action.key].id,
                contacts[action.key].owner_id,
            )
            for action, _ in succeeded
        ]
        loop_links.set_contacts(conn, links, ctx.now_ms())
        written: dict[str, str] = {}
        for action, value in succeeded:
            if value == SUPERSEDED:
                ctx.result.contacts_superseded += 1
            elif action.key in split.unchanged:
                ctx.result.contacts_unchanged += 1
            else:
                written[contacts[action.key].id] = split.digests[action.key]
                ctx.result.contacts_updated += 1
        keyed.set_digests(conn, ctx.crm.name, written, ctx.now_ms())

    return link_loops


def respondent_of(action: Action) -> Respondent:
    """The identifiers plan recorded for the respondent."""
    return _sync(action).respondent


def _responded_at(action: Action) -> datetime:
    return _sync(action).fields.responded_at


def _sync(action: Action) -> ContactSync:
    return body_as(action.payload, ContactSync)
