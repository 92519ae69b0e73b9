"""Account roll-up: latest score, NPS over the window, open detractor follow-ups."""

from __future__ import annotations

from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from connectors.crm.salesforce.fake import SalesforceFake
from syncd.errors import CrmSetupError
from syncd.model import ContactUpdate, NpsCategory, NpsFields
from tests.connectors.salesforce_kit import NOW, served, task


def _answer(score: int, days_ago: float) -> NpsFields:
    return NpsFields(score, NpsCategory.from_score(score), NOW - timedelta(days=days_ago))


@pytest.fixture
def fake() -> SalesforceFake:
    org = SalesforceFake()
    org.set_up()
    return org


def test_the_account_holds_latest_window_and_open_detractor_followups(
    fake: SalesforceFake,
) -> None:
    acme = fake.add_account("Acme")
    ann, bob, cy = (fake.add_contact(f"{n}@acme.example", AccountId=acme) for n in "abc")
    other = fake.add_contact("d@other.example")
    with served(fake, account_rollup=True, rollup_window_days=30) as (crm, _):
        crm.update_contacts(
            [
                ContactUpdate("1", ann, _answer(10, 2)),
                ContactUpdate("2", bob, _answer(3, 1)),  # the latest answer
                ContactUpdate("3", cy, _answer(9, 45)),  # outside the window
                ContactUpdate("4", other, _answer(0, 1)),
            ]
        )
        ids = crm.create_tasks([task("t-bob", bob), task("t-ann", ann)])
        account = fake.account(acme)
        assert account is not None
        assert account["NPS_Latest_Score__c"] == 3
        assert account["NPS_Window_Score__c"] == 0  # one promoter, one detractor in 30 days
        assert account["NPS_Open_Detractor_Followups__c"] == 1

        fake.complete_task(str(ids["t-bob"]))
        list(crm.task_changes(NOW - timedelta(minutes=5)))
    assert fake.account(acme)["NPS_Open_Detractor_Followups__c"] == 0  # type: ignore[index]


def test_without_the_option_accounts_are_left_alone(fake: SalesforceFake) -> None:
    acme = fake.add_account("Acme")
    ann = fake.add_contact("a@acme.example", AccountId=acme)
    with served(fake) as (crm, _):
        crm.update_contacts([ContactUpdate("1", ann, _answer(10, 1))])
    assert fake.account(acme).get("NPS_Latest_Score__c") is None  # type: ignore[union-attr]


def test_the_rollup_fields_are_required_once_the_option_is_on() -> None:
    fake = SalesforceFake()
    fake.set_up()
    fake.drop_field("Account", "NPS_Window_Score__c")
    contact = fake.add_contact("a@example.com")
    with (
        served(fake, account_rollup=True) as (crm, _),
        pytest.raises(CrmSetupError, match="NPS_Window_Score__c"),
    ):
        crm.update_contacts([ContactUpdate("1", contact, _answer(5, 1))])


def test_a_failing_rollup_never_fails_the_write(fake: SalesforceFake) -> None:
    acme = fake.add_account("Acme")
    ann = fake.add_contact("a@acme.example", AccountId=acme)
    with served(fake, account_rollup=True) as (crm, _), capture_logs() as logs:
        crm.update_contacts([])  # the fields exist when delivery starts
        fake.drop_field("Account", "NPS_Window_Score__c")  # then an admin deletes one
        outcome = crm.update_contacts([ContactUpdate("1", ann, _answer(10, 1))])
    assert outcome == {"1": ann}
    assert [e["event"] for e in logs].count("crm.rollup.failed") == 1
