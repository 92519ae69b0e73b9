"""What a chaos run left in the CRM fake: tasks per answer, contact fields, lost and duplicated."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from connectors.crm.hubspot.fake import HubSpotFake
from connectors.sources.delighted.fake import DelightedFake
from syncd.model import NpsCategory
from syncd.sandbox.world import World


@dataclass(frozen=True, slots=True)
class Outcome:
    """The figures of one scenario; ``lost`` and ``duplicated`` must both be 0."""

    scenario: str
    answers: int  # well-formed answers from a contact the CRM knows: each wants one task
    zero: int
    one: int
    two_plus: int
    #: Tasks beyond the first per answer, plus tasks linked to no contact.
    duplicated: int
    contacts_correct: int
    wall_seconds: float
    notes: str = ""

    @property
    def lost(self) -> int:
        return self.zero

    def complete(self) -> bool:
        """Every answer has its task and its contact's fields."""
        return self.zero == 0 and self.contacts_correct == self.answers

    def exactly_once(self) -> bool:
        return self.complete() and self.duplicated == 0

    def with_notes(self, notes: str) -> Outcome:
        return replace(self, notes=f"{self.notes}; {notes}" if self.notes else notes)


def measure(
    name: str, crm: HubSpotFake, source: DelightedFake, world: World, wall: float
) -> Outcome:
    """Count tasks per answer and check each answering contact's NPS fields."""
    records = {str(r["id"]): r for r in source.responses()}
    wanted = {
        world.contacts[email]: records[rid]
        for rid, email in world.responses.items()
        if email in world.contacts and rid not in world.malformed
    }
    per_contact: Counter[str] = Counter()
    unlinked = 0
    for task in crm.tasks():
        unlinked += not task["contact_ids"]
        per_contact.update(task["contact_ids"])
    counts = [per_contact.get(contact_id, 0) for contact_id in wanted]
    contacts = {str(c["id"]): c["properties"] for c in crm.contacts()}
    correct = sum(
        _fields_match(contacts.get(contact, {}), record) for contact, record in wanted.items()
    )
    return Outcome(
        scenario=name,
        answers=len(wanted),
        zero=counts.count(0),
        one=counts.count(1),
        two_plus=sum(count >= 2 for count in counts),
        duplicated=sum(count - 1 for count in counts if count > 1) + unlinked,
        contacts_correct=correct,
        wall_seconds=wall,
    )


def _fields_match(props: dict[str, Any], record: dict[str, Any]) -> bool:
    score = int(record["score"])
    return (
        props.get("nps_score") == str(score)
        and props.get("nps_category") == NpsCategory.from_score(score).value
        and (props.get("nps_comment") or "") == (record.get("comment") or "")
    )
