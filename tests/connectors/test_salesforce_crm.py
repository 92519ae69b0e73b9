"""The Salesforce connector over real HTTP against the sandbox org."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from structlog.testing import capture_logs

from connectors.crm.salesforce.errors import LimitExceeded
from connectors.crm.salesforce.fake import SalesforceFake
from connectors.crm.salesforce.soql import MAX_IN_CHARS, in_lists, quote
from syncd.errors import (
    Blocking,
    ContactNotFound,
    CrmOutcomeUnknown,
    CrmRejected,
    CrmSetupError,
    SyncdError,
)
from syncd.model import (
    EMAIL,
    ContactField,
    ContactUpdate,
    NewContact,
    ResponseNote,
    SetupState,
)
from tests.connectors.salesforce_kit import NOW, nps, served, task


@pytest.fixture
def fake() -> SalesforceFake:
    org = SalesforceFake()
    org.set_up()
    return org


def test_a_session_that_expires_mid_run_is_renewed_and_the_batch_goes_through(
    fake: SalesforceFake,
) -> None:
    contact = fake.add_contact("ann@example.com")
    with served(fake) as (crm, _):
        crm.find_contacts(EMAIL, ["ann@example.com"])
        logins = fake.sessions.logins
        fake.expire_sessions()
        outcome = crm.create_tasks([task(f"t{n}", contact) for n in range(50)])

    assert all(isinstance(value, str) for value in outcome.values())
    assert len(fake.tasks()) == 50
    assert fake.sessions.logins == logins + 1


def test_a_partial_failure_fails_only_its_records(fake: SalesforceFake) -> None:
    good = fake.add_contact("kim@example.com")
    gone = fake.add_contact("gone@example.com")
    fake.delete_record(gone)
    with served(fake) as (crm, _):
        outcome = crm.update_contacts(
            [ContactUpdate("a", good, nps()), ContactUpdate("b", gone, nps())]
        )

    assert outcome["a"] == good
    assert isinstance(outcome["b"], ContactNotFound)
    assert "ENTITY_IS_DELETED" in str(outcome["b"])
    assert fake.contact(good)["NPS_Score__c"] == 3.0  # type: ignore[index]


def test_only_syncds_fields_are_written(fake: SalesforceFake) -> None:
    contact = fake.add_contact("lee@example.com", firstname="Lee")
    with served(fake) as (crm, _):
        crm.update_contacts([ContactUpdate("a", contact, nps(9))])
    stored = fake.contact(contact)
    assert stored is not None
    assert (stored["FirstName"], stored["NPS_Category__c"]) == ("Lee", "promoter")


def test_a_retry_after_a_slow_commit_does_not_duplicate_the_task(fake: SalesforceFake) -> None:
    contact = fake.add_contact("lou@example.com")
    fake.chaos(1.0, kinds=("slow_commit",), slow_seconds=1.5, paths=("/composite",))
    with served(fake, timeout_seconds=0.5, read_retries=0) as (crm, _):
        crm.update_contacts([])  # setup checked before the org slows down
        with pytest.raises(CrmOutcomeUnknown):
            crm.create_tasks([task("t1", contact)])
        fake.chaos(0.0)
        again = crm.create_tasks([task("t1", contact)])  # may run before the held write lands
        time.sleep(2)  # the held write lands by now; it must not add a second task
        later = crm.create_tasks([task("t1", contact)])

    [only] = fake.tasks()
    assert again == later == {"t1": only["id"]}


def test_an_inactive_owner_fails_alone(fake: SalesforceFake) -> None:
    contact = fake.add_contact("mo@example.com")
    leaver = fake.add_owner("old@example.com", "Old", "Timer")
    fake.deactivate_user(leaver)
    with served(fake) as (crm, _):
        assert leaver not in {owner.id for owner in crm.list_owners()}
        outcome = crm.create_tasks([task("t1", contact, leaver), task("t2", contact)])

    assert isinstance(outcome["t1"], CrmRejected) and "INACTIVE_OWNER_OR_USER" in str(outcome["t1"])
    assert isinstance(outcome["t2"], str)


def test_the_daily_allowance_pauses_delivery_then_resumes(fake: SalesforceFake) -> None:
    contact = fake.add_contact("ned@example.com")
    with (
        served(fake, daily_share=0.5, limit_pause_seconds=600) as (crm, clock),
        capture_logs() as logs,
    ):
        crm.find_contacts(EMAIL, ["ned@example.com"])
        used, _ = fake.api_usage
        fake.set_allowance(limit=used * 2 + 2, used=used * 2 + 1)  # past syncd's half
        crm.find_contacts(EMAIL, ["ned@example.com"])  # this answer reports the usage
        sent = len(fake.requests)
        with pytest.raises(LimitExceeded) as paused:
            crm.create_tasks([task("t1", contact)])
        assert isinstance(paused.value, Blocking) and paused.value.retry_after == 600
        assert len(fake.requests) == sent  # nothing sent while paused
        clock.now += 601
        fake.set_allowance(limit=10_000, used=0)  # the rolling window moved on
        outcome = crm.create_tasks([task("t1", contact)])

    assert isinstance(outcome["t1"], str)
    events = [entry["event"] for entry in logs]
    assert events.count("crm.daily_limit.pause") == 1
    assert events.count("crm.daily_limit.resume") == 1


def test_request_limit_exceeded_pauses_every_call(fake: SalesforceFake) -> None:
    with served(fake) as (crm, _):
        crm.find_contacts(EMAIL, ["a@example.com"])
        fake.set_allowance(limit=5, used=5)
        with pytest.raises(LimitExceeded):
            crm.find_contacts(EMAIL, ["a@example.com"])
        sent = len(fake.requests)
        with pytest.raises(LimitExceeded):
            crm.find_contacts(EMAIL, ["a@example.com"])
        assert len(fake.requests) == sent


def test_several_contacts_with_one_email_are_skipped_or_the_latest_is_taken(
    fake: SalesforceFake,
) -> None:
    fake.duplicate_rule(False)
    fake.add_contact("twin@example.com")
    newer = fake.add_contact("twin@example.com")
    with served(fake) as (crm, _):
        assert crm.find_contacts(EMAIL, ["twin@example.com"]) == {}
    with served(fake, duplicate_emails="latest") as (crm, _):
        assert crm.find_contacts(EMAIL, ["TWIN@example.com"])["twin@example.com"].id == newer


def test_many_emails_are_looked_up_in_url_sized_queries(fake: SalesforceFake) -> None:
    emails = [f"person{n:04d}.with.a.long.address@example.com" for n in range(450)]
    for email in emails[::3]:
        fake.add_contact(email)
    with served(fake) as (crm, _):
        found = crm.find_contacts(EMAIL, emails)
    calls = [path for _, path in fake.requests if path.rstrip("/").endswith("/composite")]
    assert set(found) == set(emails[::3])
    runs = list(in_lists(emails))
    assert len(runs) >= 3 and all(len(",".join(map(quote, run))) <= MAX_IN_CHARS for run in runs)
    assert len(calls) == -(-len(runs) // 5)  # five IN lists to a composite call


def test_external_ids_and_quotes_are_safe(fake: SalesforceFake) -> None:
    fake.define_property("contacts", "customer_id", unique=True)
    contact = fake.add_contact(None, customer_id="C-1'x\\")
    with served(fake) as (crm, _):
        found = crm.find_contacts(ContactField("customer_id__c"), ["C-1'x\\", "nobody"])
    assert found["C-1'x\\"].id == contact


def test_task_changes_page_through_next_records_url(fake: SalesforceFake) -> None:
    contact = fake.add_contact("pat@example.com")
    with served(fake) as (crm, _):
        for start in range(0, 2100, 100):
            crm.create_tasks([task(f"t{n}", contact) for n in range(start, start + 100)])
        pages = list(crm.task_changes(NOW - timedelta(minutes=5)))
    assert [len(page.changes) for page in pages] == [2000, 100]
    assert any("/query/01g" in path for _, path in fake.requests)


def test_a_reopened_task_reads_open_again(fake: SalesforceFake) -> None:
    contact = fake.add_contact("rae@example.com")
    with served(fake) as (crm, _):
        [task_id] = crm.create_tasks([task("t1", contact)]).values()
        fake.complete_task(str(task_id))
        fake.reopen_task(str(task_id))
        [change] = [
            c for page in crm.task_changes(NOW - timedelta(minutes=5)) for c in page.changes
        ]
    assert change.state.value == "open" and change.completed_at is None


def test_setup_without_tooling_rights_prints_the_definitions() -> None:
    fake = SalesforceFake()
    fake.allow_tooling(False)
    with served(fake) as (crm, _):
        steps = crm.setup()
        with pytest.raises(CrmSetupError):
            crm.create_tasks([task("t1", fake.add_contact("x@example.com"))])
    failed = [step for step in steps if step.state is SetupState.FAILED]
    assert failed and all('"FullName"' in step.detail for step in failed)
    assert any("NPS_Score__c" in step.detail for step in failed)


def test_duplicate_rules_are_reported_or_saved_through(fake: SalesforceFake) -> None:
    fake.add_contact("dup@example.com")
    fake.add_contact("dup2@example.com")
    with served(fake) as (crm, _):
        outcome = crm.create_contacts([NewContact("k", "DUP@example.com")])
    assert isinstance(outcome["k"], str)
    assert len(fake.records("Contact")) == 2


def test_history_keeps_one_record_per_answer_however_often_sent(fake: SalesforceFake) -> None:
    contact = fake.add_contact("hal@example.com")
    first = ResponseNote("delighted:1:v1", contact, "Score 3: slow support", NOW)
    later = ResponseNote("delighted:2:v1", contact, "Score 9: better now", NOW)
    with served(fake) as (crm, _):
        once = crm.add_notes([first])
        again = crm.add_notes([first, later])

    records = fake.records("NPS_Response__c")
    assert len(records) == 2 and once["delighted:1:v1"] == again["delighted:1:v1"]
    assert {r["Contact__c"] for r in records} == {contact}


def test_history_waits_for_setup() -> None:
    fake = SalesforceFake()
    contact = fake.add_contact("hal@example.com")
    with served(fake) as (crm, _), pytest.raises(CrmSetupError, match="NPS_Response__c"):
        crm.add_notes([ResponseNote("k", contact, "x", NOW)])


def test_a_lookup_by_a_field_the_org_lacks_blocks_with_the_setup_hint(fake: SalesforceFake) -> None:
    with served(fake) as (crm, _), pytest.raises(CrmSetupError, match="No such column"):
        crm.find_contacts(ContactField("Missing__c"), ["x"])


def test_five_hundred_tasks_go_in_one_call(fake: SalesforceFake) -> None:
    contact = fake.add_contact("big@example.com")
    with served(fake) as (crm, _):
        crm.update_contacts([])  # setup checked first
        before = len(fake.requests)
        outcome = crm.create_tasks([task(f"t{n}", contact) for n in range(crm.batch_limit)])
    assert crm.batch_limit == 500 and len(set(outcome.values())) == 500
    assert len(fake.requests) - before == 1


@pytest.mark.parametrize("retry_after", [None, 2.0])
def test_a_passing_5xx_on_a_read_is_retried(
    fake: SalesforceFake, retry_after: float | None
) -> None:
    contact = fake.add_contact("amy@example.com")
    fake.inject("/composite", 503, times=2, retry_after=retry_after)
    with served(fake) as (crm, clock):
        found = crm.find_contacts(EMAIL, ["amy@example.com"])
    assert found["amy@example.com"].id == contact
    assert clock.slept[:2] == ([2.0, 2.0] if retry_after else [0.5, 1.0])


def test_a_dropped_answer_on_an_update_is_sent_again(fake: SalesforceFake) -> None:
    contact = fake.add_contact("bo@example.com")
    with served(fake) as (crm, _):
        crm.update_contacts([])
        fake.inject("/composite", 500, after_processing=True, drop=True)
        outcome = crm.update_contacts([ContactUpdate("u", contact, nps(6))])
    assert outcome == {"u": contact}


def test_a_contact_create_with_an_unknown_outcome_is_not_resent_blindly(
    fake: SalesforceFake,
) -> None:
    fake.inject("/composite/sobjects", 500, after_processing=True, drop=True)
    with served(fake) as (crm, _):
        with pytest.raises(CrmOutcomeUnknown):
            crm.create_contacts([NewContact("k", "new@example.com")])
        outcome = crm.create_contacts([NewContact("k", "new@example.com")])  # the core's retry
    [created] = fake.records("Contact")
    assert outcome == {"k": created["Id"]}


@pytest.mark.parametrize(
    "body",
    [
        "not a composite answer",
        {"compositeResponse": "nope"},
        {"compositeResponse": [{"referenceId": "part0", "httpStatusCode": 200, "body": [7]}]},
        {"compositeResponse": [{"referenceId": "elsewhere", "httpStatusCode": 200, "body": []}]},
    ],
    ids=["string", "not-a-list", "wrong-results", "unknown-reference"],
)
def test_a_garbled_answer_is_an_unknown_outcome(fake: SalesforceFake, body: object) -> None:
    contact = fake.add_contact("gil@example.com")
    with served(fake, read_retries=0) as (crm, _):
        crm.update_contacts([])
        fake.inject("/composite", 200, body=body)
        with pytest.raises(CrmOutcomeUnknown):
            crm.update_contacts(
                [ContactUpdate("u", contact, nps()), ContactUpdate("v", contact, nps())]
            )


def test_record_errors_of_odd_shapes_are_still_errors(fake: SalesforceFake) -> None:
    contact = fake.add_contact("odd@example.com")
    results = [{"success": False, "errors": ["text", {"statusCode": "ENTITY_IS_DELETED"}]}]
    answer = {
        "compositeResponse": [{"referenceId": "part0", "httpStatusCode": 200, "body": results}]
    }
    with served(fake) as (crm, _):
        crm.update_contacts([])
        fake.inject("/composite", 200, body=answer)
        outcome = crm.update_contacts([ContactUpdate("u", contact, nps())])
    assert isinstance(outcome["u"], SyncdError)


def test_a_lookup_field_named_like_a_standard_one_is_selected_once(fake: SalesforceFake) -> None:
    contact = fake.add_contact("case@example.com")
    with served(fake) as (crm, _):
        found = crm.find_contacts(ContactField("email"), ["case@example.com"])
    assert found["case@example.com"].id == contact


def test_a_garbled_query_answer_is_retried_then_unknown(fake: SalesforceFake) -> None:
    garbled = {"compositeResponse": [{"referenceId": "part0", "httpStatusCode": 200, "body": [1]}]}
    fake.inject("/composite", 200, body=garbled, times=10)
    with served(fake, read_retries=1) as (crm, _), pytest.raises(CrmOutcomeUnknown):
        crm.find_contacts(EMAIL, ["a@example.com"])
