"""An answer without an email reaches its contact through the customer id the CRM holds."""

from __future__ import annotations

from pathlib import Path

from syncd.runtime.compose import build_daemon
from tests.e2e.helpers import delighted_of, hubspot_of, sandbox_settings

MATCH_BY = '["email", "external_id:customer_id"]'


def test_answer_without_email_reaches_its_contact_by_customer_id_once(tmp_path: Path) -> None:
    env = {"SYNCD__CRM__MATCH_CONTACTS_BY": MATCH_BY}
    with sandbox_settings(tmp_path / "data", **env) as (sandbox, settings):
        hubspot, delighted = hubspot_of(sandbox), delighted_of(sandbox)
        hubspot.define_property("contacts", "customer_id", unique=True)
        owner = hubspot.add_owner("sam@acme.example", "Sam", "Ortiz", teams=["Support"])
        decoy = hubspot.add_contact("someone@client.example", customer_id="C-1")
        dana = hubspot.add_contact(None, owner_id=owner, customer_id="C-42", firstname="Dana")
        delighted.add_response(email=None, score=3, person_properties={"customer_id": "C-42"})
        daemon = build_daemon(settings)
        daemon.run_once()
        daemon.run_once()
        daemon.close()

        (task,) = hubspot.tasks()
        assert task["contact_ids"] == [dana]
        assert task["properties"]["hubspot_owner_id"] == owner
        contact = hubspot.contact_by("customer_id", "C-42")
        assert contact is not None and contact["properties"]["nps_score"] == "3"
        assert hubspot.tasks_for_contact(decoy) == []
