"""The outbox's vocabulary: an action's status, what enqueueing did, and the action itself."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from syncd.actions import ActionBody, ActionKind

__all__ = ["UNSENT", "Action", "ActionKind", "Enqueued", "NewAction", "Status", "key_for"]


class Status(StrEnum):
    """Where an outbox action is in its life."""

    #: Planned, and waits for the action it depends on to be done (see ``readiness``).
    WAITING = "waiting"
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    DEAD = "dead"
    QUARANTINED = "quarantined"
    SKIPPED = "skipped"


#: Planned and not claimed yet: still to be sent, and skipped when what it waits on ends.
UNSENT = (Status.WAITING.value, Status.PENDING.value)


class Enqueued(StrEnum):
    """What ``enqueue`` did with an action."""

    INSERTED = "inserted"
    REWRITTEN = "rewritten"
    #: The stored version is the same or newer: nothing to do.
    UNCHANGED = "unchanged"
    #: A newer version for a create that is done: send an update instead.
    FROZEN = "frozen"


@dataclass(frozen=True, slots=True)
class NewAction:
    """An action for ``enqueue``: its kind is the type of its ``payload``; ``depends_on`` is the
    key that must be done first."""

    key: str
    crm: str
    source: str
    response_id: str
    version: int
    payload: ActionBody
    depends_on: str | None = None

    @property
    def kind(self) -> ActionKind:
        """What the action does, read from its body's type so the two cannot disagree."""
        return self.payload.kind


@dataclass(frozen=True, slots=True)
class Action:
    """A claimed outbox row.

    ``attempts`` is the number of this attempt (earlier recorded outcomes + 1); ``claim`` is the
    row's claim count when it was claimed, the fencing token its outcome must present.
    """

    id: int
    key: str
    kind: ActionKind
    source: str
    response_id: str
    version: int
    payload: ActionBody
    attempts: int
    claim: int = 0


def key_for(source: str, response_id: str, kind: ActionKind) -> str:
    """The idempotency key of a response's action of ``kind``, stable across versions."""
    return f"{source}:{response_id}:{kind.value}"
