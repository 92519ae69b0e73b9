"""Respondents the CRM does not have: quarantined by default, or given a new contact.

With ``[crm] unknown_contacts = "create"``, an answer whose category ``create_for`` lists and
whose respondent has an email gets a contact created by that email (idempotent on it, so a retry
or a race with someone else's create ends with one contact). Without an email nothing is
created: a contact nobody can recognise would only be noise in the CRM.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import structlog

from syncd.actions import ContactSync, body_as
from syncd.errors import SyncdError, Transient
from syncd.model import Contact, NewContact, RespondentId
from syncd.pipeline.deliver.context import DeliverContext
from syncd.store.outbox import Action

log = structlog.get_logger(__name__)


def create_missing(
    ctx: DeliverContext,
    actions: Sequence[Action],
    found: Mapping[str, Contact],
    outcomes: dict[str, str | SyncdError],
) -> dict[str, Contact]:
    """Contacts created for the actions no lookup found, by action key; failures go to outcomes."""
    wanted = _wanted(ctx, actions, found, outcomes)
    if not wanted:
        return {}
    emails = sorted(set(wanted.values()))
    try:
        created = ctx.crm.create_contacts([NewContact(email, email) for email in emails])
    except SyncdError as error:
        outcomes.update({key: error for key in wanted})
        return {}
    contacts: dict[str, Contact] = {}
    for key, email in wanted.items():
        outcome = created.get(email) or Transient(f"the CRM returned no contact for {email!r}")
        if isinstance(outcome, str):
            contacts[key] = Contact(outcome, email)
        else:
            outcomes[key] = outcome
    log.info("contacts created for unknown respondents", count=len(set(contacts.values())))
    return contacts


def _wanted(
    ctx: DeliverContext,
    actions: Sequence[Action],
    found: Mapping[str, Contact],
    outcomes: Mapping[str, str | SyncdError],
) -> dict[str, str]:
    """Per action key: the email to create a contact for, under the configured policy."""
    if not ctx.create_contacts_for:
        return {}
    wanted: dict[str, str] = {}
    for action in actions:
        sync = body_as(action.payload, ContactSync)
        if action.key in found or action.key in outcomes:
            continue  # found, or its lookup failed: a failed lookup must never create
        email = sync.respondent.get(RespondentId.EMAIL)
        if email is not None and sync.fields.category in ctx.create_contacts_for:
            wanted[action.key] = email
    return wanted
