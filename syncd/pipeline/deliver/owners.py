"""What owner routing reads for one batch of task creates, fetched once per batch."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from syncd.actions import TaskCreate, body_as
from syncd.model import Owner
from syncd.pipeline.deliver.context import DeliverContext
from syncd.store.outbox import Action


@dataclass(slots=True)
class OwnerLoad:
    """The owners, their open loops and the round-robin positions, updated as the batch picks."""

    owners: Sequence[Owner]
    open_loops: dict[str, int]
    rotation: dict[str, str]


def company_owners_of(
    ctx: DeliverContext,
    actions: Sequence[Action],
    contacts: Mapping[str, tuple[str | None, str | None]],
) -> Mapping[str, str]:
    """Per contact id: the owner of its primary company, asked only when a rule wants it.

    One CRM call per batch, and none when no action's owner chain names ``company_owner``. An
    error propagates: assigning past a company owner the CRM could not tell would be permanent.
    """
    wanted = sorted(
        {
            contact_id
            for action in actions
            if "company_owner" in body_as(action.payload, TaskCreate).owner_chain
            and (contact_id := contacts[action.key][0]) is not None
        }
    )
    return ctx.crm.company_owners(wanted) if wanted else {}
