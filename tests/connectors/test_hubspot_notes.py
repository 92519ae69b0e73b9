"""``HubSpotCrm.add_notes`` against the HubSpot fake: upsert by the note key, then link."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.crm.hubspot import HubSpotCrm
from connectors.crm.hubspot.fake import HubSpotFake
from syncd.errors import Blocking
from syncd.model import ResponseNote

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def test_one_linked_note_per_key_however_often_sent(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    fake.define_property("notes", "nps_note_key", unique=True)
    ann = fake.add_contact("ann@x.example")
    notes = [
        ResponseNote("d:r1:v1", ann, "NPS 3 (detractor)", AT),
        ResponseNote("d:r1:v2", ann, "NPS 6 (detractor)", AT),
    ]

    first = crm.add_notes(notes)
    again = crm.add_notes(notes[:1])  # a retry after an unknown outcome

    timeline = fake.notes_for_contact(ann)
    assert [note["nps_note_key"] for note in timeline] == ["d:r1:v1", "d:r1:v2"]
    assert first == {"d:r1:v1": timeline[0]["id"], "d:r1:v2": timeline[1]["id"]}
    assert again == {"d:r1:v1": timeline[0]["id"]}
    assert timeline[0]["hs_note_body"] == "NPS 3 (detractor)"
    assert timeline[0]["hs_timestamp"].startswith("2026-11-02T09:30")


def test_a_missing_or_plain_note_key_property_blocks(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    ann = fake.add_contact("ann@x.example")
    note = ResponseNote("d:r1:v1", ann, "NPS 3", AT)
    with pytest.raises(Blocking, match=r"'nps_note_key' .* does not exist"):
        crm.add_notes([note])
    fake.define_property("notes", "nps_note_key")
    with pytest.raises(Blocking, match="does not require unique values"):
        crm.add_notes([note])
    assert fake.notes_for_contact(ann) == []
