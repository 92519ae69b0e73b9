"""What the plan stage hands the deliver stage: one frozen value per kind of outbox action.

Plan builds these values, the outbox keeps them (``syncd.store.action_codec`` is the one place
that turns them into stored text and back), and deliver reads their attributes. The kind of an
action is the type of its body, so a row's kind and its content cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar, TypeVar

from syncd.model import NpsFields, Priority, Respondent


class ActionKind(StrEnum):
    """The kinds of outbox action, in the order a response needs them."""

    SYNC_CONTACT = "sync_contact"
    CREATE_TASK = "create_task"
    UPDATE_TASK = "update_task"
    #: Queued by track, not plan: the loop-closed time written back onto the contact.
    MARK_LOOP = "mark_loop"


@dataclass(frozen=True, slots=True)
class ContactSync:
    """Write the NPS fields of one answer onto the respondent's contact.

    Every identifier of the respondent goes along: deliver tries the ones ``[crm]
    match_contacts_by`` lists, in that order.
    """

    kind: ClassVar[ActionKind] = ActionKind.SYNC_CONTACT

    respondent: Respondent
    fields: NpsFields


@dataclass(frozen=True, slots=True)
class TaskCreate:
    """Create the follow-up task of one answer; deliver picks the owner from ``owner_chain``."""

    kind: ClassVar[ActionKind] = ActionKind.CREATE_TASK

    rule: str
    team: str | None
    owner_chain: tuple[str, ...]
    subject: str
    body: str
    priority: Priority
    due_at: datetime


@dataclass(frozen=True, slots=True)
class TaskEdit:
    """New content for a task an earlier ``TaskCreate`` made: of the same answer, or of the
    answer whose open follow-up a later answer was merged into (``target``, its create's key).

    An escalation sends only what it changes: ``subject``/``body`` None keep the task's text,
    ``owner`` (an owner id) reassigns it, ``task_id`` names the task when the loop knows it.
    """

    kind: ClassVar[ActionKind] = ActionKind.UPDATE_TASK

    subject: str | None
    body: str | None
    priority: Priority | None
    target: str | None = None
    owner: str | None = None
    task_id: str | None = None


@dataclass(frozen=True, slots=True)
class LoopClosedMark:
    """Write when an answer's follow-up closed onto its contact; ``closed_at`` None clears it.

    Track queues one per loop it closes or reopens, keyed ``source:response:mark_loop`` with the
    CRM time of that change as its version, so a later close or reopen rewrites the pending
    mark instead of queueing a second one. Deliver writes it only while the loop's answer is
    still the newest one linked to ``contact_id``: a newer answer's contact sync owns the field.
    """

    kind: ClassVar[ActionKind] = ActionKind.MARK_LOOP

    contact_id: str
    closed_at: datetime | None


#: The body of any outbox action.
ActionBody = ContactSync | TaskCreate | TaskEdit | LoopClosedMark

Body = TypeVar("Body", ContactSync, TaskCreate, TaskEdit, LoopClosedMark)


class WrongActionBody(TypeError):
    """A handler was given an action of another kind: a programming error, never input."""


def body_as(body: ActionBody, expected: type[Body]) -> Body:
    """``body`` as the type a handler expects (claims are per kind, so this always holds)."""
    if not isinstance(body, expected):
        raise WrongActionBody(f"expected a {expected.__name__} action, got {type(body).__name__}")
    return body
