"""Who should own a follow-up task: the rule's owner strategies, walked in order, then a fallback.

Pure functions over the owner list and the counts the store keeps, so each strategy can be
unit-tested. Only active owners are ever picked: an archived or deactivated user stays in the
CRM's owner list (old records name them) but can no longer act on a task.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from syncd.model import Owner


@dataclass(frozen=True, slots=True)
class OwnerChoice:
    """The owner picked for a task (None: unassigned) and the strategy that picked it.

    ``pool`` names the round-robin pool the pick advanced (None for every other strategy): the
    caller stores the pick so the next task of that pool, on any replica, goes to the next one.
    """

    owner_id: str | None
    via: str
    pool: str | None = None


@dataclass(frozen=True, slots=True)
class OwnerFacts:
    """What the owner strategies know of one task: its rule's pool, its contact and the load."""

    team: str | None = None
    #: Owners (ids or emails) the pool strategies pick among instead of the team.
    members: tuple[str, ...] = ()
    contact_owner_id: str | None = None
    #: The owner of the contact's primary company, when the CRM told it.
    company_owner_id: str | None = None
    open_loops: Mapping[str, int] = field(default_factory=dict)
    #: Per round-robin pool: the owner id the last pick went to.
    rotation: Mapping[str, str] = field(default_factory=dict)


def choose_owner(
    chain: Sequence[str],
    owners: Sequence[Owner],
    facts: OwnerFacts,
    fallback: str | None,
) -> OwnerChoice:
    """Walk the rule's owner strategies in order; then the fallback; else unassigned."""
    active = [owner for owner in owners if owner.active]
    for strategy in chain:
        choice = _apply(strategy, active, facts)
        if choice is not None:
            return choice
    if fallback is not None and (owner := find(active, fallback)) is not None:
        return OwnerChoice(owner.id, "fallback")
    return OwnerChoice(None, "unassigned")


def _apply(strategy: str, active: Sequence[Owner], facts: OwnerFacts) -> OwnerChoice | None:
    name = strategy.split(":", maxsplit=1)[0]
    if strategy == "round_robin":
        return _next_in_pool(active, facts)
    owner: Owner | None = None
    if strategy == "contact_owner":
        owner = find(active, facts.contact_owner_id)
    elif strategy == "company_owner":
        owner = find(active, facts.company_owner_id)
    elif strategy == "team_contact_owner":
        owner = find(pool_of(active, facts), facts.contact_owner_id)
    elif strategy == "least_open":
        loads = facts.open_loops
        owner = min(pool_of(active, facts), key=lambda o: (loads.get(o.id, 0), o.id), default=None)
    elif strategy.startswith("user:"):
        owner = find(active, strategy[5:])
    return None if owner is None else OwnerChoice(owner.id, name)


def _next_in_pool(active: Sequence[Owner], facts: OwnerFacts) -> OwnerChoice | None:
    """The pool member after the last one picked, by id, wrapping round."""
    members = sorted(pool_of(active, facts), key=lambda o: o.id)
    if not members:
        return None
    key = pool_key(facts)
    last = facts.rotation.get(key)
    after = [o for o in members if last is not None and o.id > last]
    return OwnerChoice((after or members)[0].id, "round_robin", key)


def pool_of(active: Sequence[Owner], facts: OwnerFacts) -> list[Owner]:
    """The rule's ``members`` when it lists any, else the active members of its team."""
    if facts.members:
        wanted = {m.casefold() for m in facts.members}
        return [o for o in active if o.id in wanted or o.email.casefold() in wanted]
    if facts.team is None:
        return []
    return [o for o in active if in_team(o, facts.team)]


def pool_key(facts: OwnerFacts) -> str:
    """A stable, short name for the pool, so every rule naming the same pool shares a rotation."""
    if facts.members:
        listed = ",".join(sorted({m.casefold() for m in facts.members}))
        return "members:" + hashlib.sha256(listed.encode()).hexdigest()[:24]
    return "team:" + (facts.team or "").casefold()[:180]


def in_team(owner: Owner, team: str) -> bool:
    """True when ``owner`` belongs to ``team`` (names compared without case)."""
    return team.casefold() in {name.casefold() for name in owner.teams}


def find(owners: Sequence[Owner], id_or_email: str | None) -> Owner | None:
    """The owner with this id or email (any case); None when blank or absent."""
    if not id_or_email:
        return None
    wanted = id_or_email.casefold()
    return next((o for o in owners if wanted in (o.id, o.email.casefold())), None)
