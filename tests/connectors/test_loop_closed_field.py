"""The loop-closed contact field: checked and required while named, left alone when blank."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from connectors.crm.hubspot import HubSpotCrm, HubSpotSettings
from connectors.crm.hubspot.fake import HubSpotFake
from connectors.crm.salesforce.fake import SalesforceFake
from connectors.crm.salesforce.fields import SalesforceFieldNames, required_fields
from syncd.errors import CrmSetupError
from syncd.model import ContactUpdate
from syncd.runtime.compose import CrmNotSetUp, require_setup
from syncd.sandbox.http import LoopbackServer
from tests.connectors.salesforce_kit import NOW, nps, served

TOKEN = "sandbox-token-loop-closed"
TYPO = "nps_loop_closed_typo"


@contextmanager
def hubspot(**fields: str) -> Iterator[tuple[HubSpotFake, HubSpotCrm]]:
    """A portal set up with the default names, and a connector using ``fields``."""
    fake = HubSpotFake(token=TOKEN)
    fake.set_up()
    with LoopbackServer(fake) as server:
        options: dict[str, Any] = {"base_url": server.base_url, "access_token": TOKEN}
        crm = HubSpotCrm("hubspot", HubSpotSettings.model_validate({**options, "fields": fields}))
        try:
            yield fake, crm
        finally:
            crm.close()


def test_hubspot_checks_the_property_and_startup_stops_while_it_is_missing() -> None:
    with hubspot(loop_closed_at=TYPO) as (_, crm):
        assert crm.writes_loop_closed
        (result,) = [r for r in crm.check() if TYPO in r.name]
        with pytest.raises(CrmNotSetUp, match=f"contact property '{TYPO}'.*syncd crm setup"):
            require_setup(crm)

    assert not result.ok and "[crm.fields] loop_closed_at" in result.name
    assert "does not exist" in result.detail


def test_hubspot_with_the_default_property_checks_it_and_starts() -> None:
    with hubspot() as (_, crm):
        (result,) = [r for r in crm.check() if "loop_closed_at" in r.name]
        require_setup(crm)
    assert result.ok


def test_a_blank_name_turns_it_off_on_hubspot() -> None:
    with hubspot(loop_closed_at="") as (fake, crm):
        contact = fake.add_contact("ann@example.com")
        assert not crm.writes_loop_closed
        assert not [r for r in crm.check() if "loop_closed_at" in r.name]
        assert not [s for s in crm.setup(dry_run=True) if "loop_closed" in s.what]
        crm.update_contacts([ContactUpdate("u", contact, None, NOW)])
        (held,) = [c["properties"] for c in fake.contacts() if c["id"] == contact]
    assert not held.get("nps_loop_closed_at")


def test_salesforce_requires_the_field_while_it_has_a_name() -> None:
    named = {spec.name: spec.required for spec in required_fields(SalesforceFieldNames())}
    blank = {spec.name for spec in required_fields(SalesforceFieldNames(loop_closed_at=""))}
    assert named["NPS_Loop_Closed_At__c"] is True
    assert "NPS_Loop_Closed_At__c" not in blank

    fake = SalesforceFake()
    fake.set_up()
    fake.drop_field("Contact", "NPS_Loop_Closed_At__c")
    contact = fake.add_contact("a@example.com")
    with (
        served(fake) as (crm, _),
        pytest.raises(CrmSetupError, match="NPS_Loop_Closed_At__c"),
    ):
        crm.update_contacts([ContactUpdate("1", contact, nps(5))])


def test_a_blank_name_turns_it_off_on_salesforce() -> None:
    fake = SalesforceFake()
    fake.set_up()
    fake.drop_field("Contact", "NPS_Loop_Closed_At__c")
    contact = fake.add_contact("a@example.com")
    with served(fake, fields={"loop_closed_at": ""}) as (crm, _):
        assert not crm.writes_loop_closed
        outcome = crm.update_contacts([ContactUpdate("1", contact, nps(5), NOW)])
    assert outcome == {"1": contact}
