"""Respondents are matched by the identifiers ``[crm] match_contacts_by`` lists, in order."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from syncd.clock import to_ms
from syncd.contact_match import ContactMatch
from syncd.model import EMAIL, ContactField, RespondentId, SurveyResponse
from syncd.pipeline.deliver.contacts import deliver_contacts
from syncd.pipeline.deliver.context import DeliverContext
from syncd.pipeline.plan import plan_pending
from syncd.retry import RetryPolicy
from syncd.routing_settings import RoutingSettings
from syncd.settings import DeliverySettings
from syncd.store import inbox, loops, outbox, quarantine
from syncd.store.outbox import ActionKind
from syncd.store.schema import outbox as outbox_table
from tests.pipeline.stub_crm import StubCrm

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
BY_CUSTOMER_ID = ContactMatch(RespondentId.EXTERNAL_ID, ContactField("customer_id"))
BY_PERSON_ID = ContactMatch(RespondentId.PERSON_ID, ContactField("survey_person_id"))
ALL_THREE = (ContactMatch(RespondentId.EMAIL), BY_CUSTOMER_ID, BY_PERSON_ID)


def answer(response_id: str, minutes: int = 0, **respondent: str) -> SurveyResponse:
    at = T0 + timedelta(minutes=minutes)
    return SurveyResponse(
        source="d",
        response_id=response_id,
        version=1,
        score=3,
        submitted_at=at,
        updated_at=at,
        **respondent,  # type: ignore[arg-type]
    )


def plan(
    engine: Engine, answers: Sequence[SurveyResponse], match_by: Sequence[ContactMatch]
) -> None:
    with engine.begin() as conn:
        for item in answers:
            inbox.store_response(conn, item, to_ms(T0))
    plan_pending(engine, "stub", RoutingSettings(), ZoneInfo("UTC"), now_ms=0, match_by=match_by)


def deliver(engine: Engine, crm: StubCrm, match_by: tuple[ContactMatch, ...]) -> None:
    ctx = DeliverContext(
        engine,
        crm,
        DeliverySettings(),
        RoutingSettings(),
        RetryPolicy(3, 1.0, 10.0),
        "test",
        lambda: T0,
        match_by=match_by,
    )
    with engine.begin() as conn:
        actions = outbox.claim(conn, "stub", ActionKind.SYNC_CONTACT, "test", 100, 0, 60_000)
    deliver_contacts(ctx, actions)


def synced_contact(engine: Engine, response_id: str) -> str | None:
    with engine.connect() as conn:
        return loops.contact_of(conn, answer(response_id).key)[0]


def quarantined(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return {str(item.response_id): item.reason for item in quarantine.unresolved(conn)}


def test_plan_keeps_answers_with_any_configured_identifier(engine: Engine) -> None:
    answers = [
        answer("by-email", email="ann@x.example"),
        answer("by-customer-id", external_id="C-42"),
        answer("person-only", person_id="p-7"),
    ]
    plan(engine, answers, (ContactMatch(RespondentId.EMAIL), BY_CUSTOMER_ID))

    with engine.connect() as conn:
        planned = set(conn.execute(select(outbox_table.c.response_id)).scalars())
    assert planned == {"by-email", "by-customer-id"}
    assert quarantined(engine) == {
        "person-only": "respondent has no email and no external_id, which [crm] "
        "match_contacts_by lists (email, external_id:customer_id); it carries only person_id: "
        "add person_id:<crm property> to match by it"
    }


def test_plan_with_the_default_email_match_names_the_option(engine: Engine) -> None:
    plan(engine, [answer("r1", external_id="C-42")], (ContactMatch(RespondentId.EMAIL),))

    assert quarantined(engine) == {
        "r1": "respondent has no email, which [crm] match_contacts_by lists (email); "
        "it carries only external_id: add external_id:<crm property> to match by it"
    }


def test_deliver_tries_identifiers_in_order_with_one_lookup_each(engine: Engine) -> None:
    crm = StubCrm()
    ann = crm.add("c-ann", "ann@x.example")
    bob = crm.add("c-bob", "bob@x.example", customer_id="C-2")
    cy = crm.add("c-cy", survey_person_id="p-3")
    crm.add("c-other", customer_id="C-9")
    answers = [
        # email first: the customer id of another contact does not count
        answer("ann", email="ann@x.example", external_id="C-9"),
        answer("bob", email="old-bob@x.example", external_id="C-2", person_id="p-3"),
        answer("cy", person_id="p-3"),
        answer("ghost", email="ghost@x.example", external_id="C-404"),
    ]
    plan(engine, answers, ALL_THREE)

    deliver(engine, crm, ALL_THREE)

    assert crm.lookups == [
        (EMAIL, ("ann@x.example", "ghost@x.example", "old-bob@x.example")),
        (ContactField("customer_id"), ("C-2", "C-404")),
        (ContactField("survey_person_id"), ("p-3",)),
    ]
    assert [synced_contact(engine, rid) for rid in ("ann", "bob", "cy")] == [ann, bob, cy]
    assert quarantined(engine) == {
        "ghost": "no contact in stub has email 'ghost@x.example' or customer_id 'C-404'"
    }


def test_latest_answer_wins_per_contact_whichever_identifier_found_it(engine: Engine) -> None:
    crm = StubCrm()
    dana = crm.add("c-dana", "dana@x.example", customer_id="C-5")
    match_by = (ContactMatch(RespondentId.EMAIL), BY_CUSTOMER_ID)
    plan(engine, [answer("newer", minutes=30, external_id="C-5")], match_by)
    deliver(engine, crm, match_by)
    # A backfill brings an older answer by email after the newer one already reached the contact.
    plan(engine, [answer("older", minutes=0, email="dana@x.example")], match_by)
    deliver(engine, crm, match_by)

    assert [(u.key.split(":")[1], u.contact_id) for u in crm.updates] == [("newer", dana)]
    assert synced_contact(engine, "older") == dana  # linked, but the fields were left alone


def test_in_one_batch_only_the_latest_answer_per_contact_is_written(engine: Engine) -> None:
    crm = StubCrm()
    crm.add("c-eve", "eve@x.example", customer_id="C-6")
    match_by = (ContactMatch(RespondentId.EMAIL), BY_CUSTOMER_ID)
    answers = [answer("a", minutes=5, external_id="C-6"), answer("b", email="eve@x.example")]
    plan(engine, answers, match_by)
    deliver(engine, crm, match_by)

    assert [u.key.split(":")[1] for u in crm.updates] == ["a"]


def test_plan_suggests_plain_email_when_only_the_email_is_carried(engine: Engine) -> None:
    plan(engine, [answer("r1", email="ann@x.example")], (BY_CUSTOMER_ID,))

    assert quarantined(engine) == {
        "r1": "respondent has no external_id, which [crm] match_contacts_by lists "
        "(external_id:customer_id); it carries only email: add email to match by it"
    }


def test_a_failed_lookup_retries_the_unresolved_and_delivers_the_found(engine: Engine) -> None:
    crm = StubCrm(down_for={"customer_id"})
    ann = crm.add("c-ann", "ann@x.example")
    crm.add("c-bob", survey_person_id="p-2")
    answers = [
        answer("ann", email="ann@x.example"),
        answer("bob", external_id="C-2", person_id="p-2"),
    ]
    plan(engine, answers, ALL_THREE)

    deliver(engine, crm, ALL_THREE)

    assert [u.contact_id for u in crm.updates] == [ann]
    assert [field for field, _ in crm.lookups] == [EMAIL, ContactField("customer_id")]
    with engine.connect() as conn:
        rows = conn.execute(
            select(outbox_table.c.response_id, outbox_table.c.status, outbox_table.c.last_error)
            .where(outbox_table.c.kind == ActionKind.SYNC_CONTACT.value)
            .order_by(outbox_table.c.response_id)
        ).all()
    assert [tuple(row) for row in rows] == [
        ("ann", "done", None),
        ("bob", "pending", "lookup by property 'customer_id' failed"),
    ]
    assert quarantined(engine) == {}
