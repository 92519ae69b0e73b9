"""The HubSpot fake, driven over loopback HTTP by the real ``hubspot-api-client`` SDK.

Where the SDK cannot express a request (a JSON number as a property value, a missing token
header, an unknown path), the tests use httpx directly.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import urllib3
from hubspot import HubSpot
from hubspot.crm.associations.v4 import (
    BatchInputPublicDefaultAssociationMultiPost,
    PublicDefaultAssociationMultiPost,
)
from hubspot.crm.associations.v4 import PublicObjectId as AssocObjectId
from hubspot.crm.contacts import (
    BatchInputSimplePublicObjectBatchInput,
    BatchReadInputSimplePublicObjectId,
    SimplePublicObjectBatchInput,
    SimplePublicObjectId,
)
from hubspot.crm.contacts import Filter as ContactFilter
from hubspot.crm.contacts import FilterGroup as ContactFilterGroup
from hubspot.crm.contacts import PublicObjectSearchRequest as ContactSearch
from hubspot.crm.contacts.exceptions import ApiException as ContactsApiException
from hubspot.crm.objects.tasks import (
    AssociationSpec,
    BatchInputSimplePublicObjectBatchInputForCreate,
    BatchInputSimplePublicObjectBatchInputUpsert,
    Filter,
    FilterGroup,
    PublicAssociationsForObject,
    PublicObjectId,
    PublicObjectSearchRequest,
    SimplePublicObjectBatchInputUpsert,
    SimplePublicObjectInputForCreate,
)
from hubspot.crm.objects.tasks.exceptions import ApiException as TasksApiException
from hubspot.crm.objects.tasks.exceptions import ServiceException as TasksServiceException
from hubspot.crm.owners.exceptions import ApiException as OwnersApiException
from hubspot.crm.owners.exceptions import UnauthorizedException as OwnersUnauthorized
from hubspot.crm.properties import PropertyCreate, PropertyGroupCreate
from hubspot.crm.properties.exceptions import ApiException as PropertiesApiException

from connectors.crm.hubspot.fake import HubSpotFake
from syncd.sandbox.http import LoopbackServer, Request, Response

TOKEN = "sandbox-token"
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Clock:
    """A business clock the test moves by hand."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


class Mount:
    """Serves whichever fake the current test mounted.

    One server per module: stopping a ``LoopbackServer`` waits for its poll loop (up to 0.5 s),
    which per test would dominate the run time.
    """

    def __init__(self, base_url: str = "") -> None:
        self.base_url = base_url
        self.fake: HubSpotFake | None = None

    def __call__(self, request: Request) -> Response:
        assert self.fake is not None, "no fake mounted"
        return self.fake(request)

    def serve(self, fake: HubSpotFake) -> Any:
        """Mount ``fake`` and return an SDK client pointed at it."""
        self.fake = fake
        return HubSpot(access_token=TOKEN, host=self.base_url)


@pytest.fixture(scope="module")
def server() -> Iterator[Mount]:
    mount = Mount()
    with LoopbackServer(mount) as loopback:
        mount.base_url = loopback.base_url
        yield mount


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> HubSpotFake:
    portal = HubSpotFake(clock=clock, search_lag_seconds=0)
    portal.set_up()  # syncd's properties, as ``syncd crm setup`` creates them
    return portal


@pytest.fixture
def sdk(server: Mount, fake: HubSpotFake) -> Any:
    return server.serve(fake)


@pytest.fixture
def base_url(server: Mount, sdk: Any) -> str:
    return server.base_url


def read_by_email(sdk: Any, *emails: str) -> Any:
    body = BatchReadInputSimplePublicObjectId(
        id_property="email",
        inputs=[SimplePublicObjectId(id=email) for email in emails],
        properties=["email", "hubspot_owner_id", "nps_score"],
        properties_with_history=[],
    )
    return sdk.crm.contacts.batch_api.read(body)


def update_contacts(sdk: Any, changes: dict[str, dict[str, str]]) -> Any:
    inputs = [SimplePublicObjectBatchInput(id=i, properties=p) for i, p in changes.items()]
    return sdk.crm.contacts.batch_api.update(BatchInputSimplePublicObjectBatchInput(inputs=inputs))


def task_input(
    contact_id: str, properties: dict[str, str] | None = None, *, type_id: int = 204
) -> Any:
    spec = AssociationSpec(association_category="HUBSPOT_DEFINED", association_type_id=type_id)
    association = PublicAssociationsForObject(to=PublicObjectId(id=contact_id), types=[spec])
    props = {"hs_timestamp": "1795510800000", "hs_task_subject": "Call back"} | (properties or {})
    return SimplePublicObjectInputForCreate(properties=props, associations=[association])


def create_tasks(sdk: Any, *inputs: Any) -> Any:
    body = BatchInputSimplePublicObjectBatchInputForCreate(inputs=list(inputs))
    return sdk.crm.objects.tasks.batch_api.create(body)


def search_modified_since(
    sdk: Any, since: datetime, *, limit: int, after: str | None = None
) -> Any:
    since_ms = str(int(since.timestamp() * 1000))
    request = PublicObjectSearchRequest(
        filter_groups=[
            FilterGroup(
                filters=[
                    Filter(property_name="hs_lastmodifieddate", operator="GTE", value=since_ms)
                ]
            )
        ],
        sorts=[{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}],
        properties=["hs_task_status", "hs_task_completion_date", "hubspot_owner_id"],
        limit=limit,
        after=after,
    )
    return sdk.crm.objects.tasks.search_api.do_search(request)


def error_of(exc: Any) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(exc.body)
    return body


# contacts


def test_batch_read_by_email_answers_200_when_all_are_found(fake: HubSpotFake, sdk: Any) -> None:
    owner = fake.add_owner("olga@example.com", "Olga", "Owner")
    contact = fake.add_contact("ada@example.com", owner_id=owner)

    page = read_by_email(sdk, "ADA@example.com")

    assert type(page).__name__ == "BatchResponseSimplePublicObject"
    [found] = page.results
    assert found.id == contact
    assert found.properties["hubspot_owner_id"] == owner
    assert found.properties["nps_score"] is None  # asked for, unset: null
    assert {"hs_object_id", "createdate", "lastmodifieddate"} <= found.properties.keys()


def test_batch_read_with_unknown_emails_answers_207_with_errors(
    fake: HubSpotFake, sdk: Any
) -> None:
    fake.add_contact("ada@example.com")

    page = read_by_email(sdk, "ada@example.com", "nobody@example.com")

    assert type(page).__name__ == "BatchResponseSimplePublicObjectWithErrors"
    assert [r.properties["email"] for r in page.results] == ["ada@example.com"]
    assert page.num_errors == 1
    [error] = page.errors
    assert error.category == "OBJECT_NOT_FOUND"
    assert error.context == {"ids": ["nobody@example.com"]}


def test_batch_read_rejects_oversized_and_incomplete_bodies(base_url: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    url = f"{base_url}/crm/v3/objects/contacts/batch/read"
    too_many = {"properties": [], "inputs": [{"id": str(i)} for i in range(101)]}
    no_properties = {"inputs": [{"id": "1"}]}

    assert httpx.post(url, json=too_many, headers=headers).status_code == 400
    answer = httpx.post(url, json=no_properties, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["category"] == "VALIDATION_ERROR"


def test_batch_update_writes_the_nps_properties(fake: HubSpotFake, sdk: Any, clock: Clock) -> None:
    contact = fake.add_contact("ada@example.com")
    clock.advance(5)

    page = update_contacts(
        sdk,
        {
            contact: {
                "nps_score": "9",
                "nps_category": "promoter",
                "nps_last_response_at": "1795510800000",
            }
        },
    )

    assert page.results[0].properties["nps_last_response_at"] == "2026-11-24T09:00:00.000Z"
    stored = fake.contact_by_email("ada@example.com")
    assert stored is not None
    assert stored["properties"]["nps_score"] == "9"
    assert stored["properties"]["lastmodifieddate"] == "2026-11-24T09:00:05.000Z"


def test_batch_update_with_an_unknown_property_fails_the_whole_batch(
    fake: HubSpotFake, sdk: Any
) -> None:
    ada = fake.add_contact("ada@example.com")
    bob = fake.add_contact("bob@example.com")

    with pytest.raises(ContactsApiException) as caught:
        update_contacts(sdk, {ada: {"nps_score": "9"}, bob: {"nps_scor": "3"}})

    assert caught.value.status == 400
    body = error_of(caught.value)
    assert body["category"] == "VALIDATION_ERROR"
    assert body["errors"][0]["code"] == "PROPERTY_DOESNT_EXIST"
    assert body["errors"][0]["context"] == {"propertyName": ["nps_scor"]}
    assert "nps_score" not in fake.contacts()[0]["properties"]  # nothing was applied


def test_batch_update_validates_options_numbers_and_value_types(
    fake: HubSpotFake, sdk: Any, base_url: str
) -> None:
    ada = fake.add_contact("ada@example.com")

    for properties, code in [
        ({"nps_category": "fan"}, "INVALID_OPTION"),
        ({"nps_score": "nine"}, "INVALID_INTEGER"),
    ]:
        with pytest.raises(ContactsApiException) as caught:
            update_contacts(sdk, {ada: properties})
        assert error_of(caught.value)["errors"][0]["code"] == code

    as_number = {"inputs": [{"id": ada, "properties": {"nps_score": 9}}]}
    answer = httpx.post(
        f"{base_url}/crm/v3/objects/contacts/batch/update",
        json=as_number,
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert answer.status_code == 400


def test_batch_update_of_a_missing_record_answers_207_and_applies_the_rest(
    fake: HubSpotFake, sdk: Any
) -> None:
    ada = fake.add_contact("ada@example.com")

    page = update_contacts(sdk, {ada: {"nps_score": "10"}, "999": {"nps_score": "1"}})

    assert type(page).__name__ == "BatchResponseSimplePublicObjectWithErrors"
    assert page.errors[0].context == {"ids": ["999"]}
    assert fake.contacts()[0]["properties"]["nps_score"] == "10"


# tasks


def test_batch_create_tasks_with_the_204_association(fake: HubSpotFake, sdk: Any) -> None:
    owner = fake.add_owner("olga@example.com", "Olga", "Owner")
    contact = fake.add_contact("ada@example.com")

    created = create_tasks(
        sdk, task_input(contact, {"hubspot_owner_id": owner, "hs_task_priority": "HIGH"})
    )

    assert type(created).__name__ == "BatchResponseSimplePublicObject"
    task = created.results[0]
    assert task.properties["hs_timestamp"] == "2026-11-24T09:00:00.000Z"  # sent as epoch ms
    assert task.properties["hs_task_status"] == "NOT_STARTED"
    assert task.properties["hs_object_id"] == task.id
    [stored] = fake.tasks_for_contact(contact)
    assert stored["id"] == task.id
    assert stored["properties"]["hubspot_owner_id"] == owner
    assert stored["contact_ids"] == [contact]


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ({"hubspot_owner_id": "archived"}, "INVALID_OWNER_ID"),
        ({"hs_task_priority": "URGENT"}, "INVALID_OPTION"),
        ({"hs_task_subjekt": "x"}, "PROPERTY_DOESNT_EXIST"),
        ({"hs_timestamp": ""}, "REQUIRED"),
    ],
)
def test_one_invalid_task_fails_the_whole_create_batch(
    fake: HubSpotFake, sdk: Any, bad: dict[str, str], code: str
) -> None:
    archived = fake.add_owner("gone@example.com", "Gone", "Away", archived=True)
    contact = fake.add_contact("ada@example.com")
    bad = {k: archived if v == "archived" else v for k, v in bad.items()}

    with pytest.raises(TasksApiException) as caught:
        create_tasks(sdk, task_input(contact), task_input(contact, bad))

    assert caught.value.status == 400
    assert [e["code"] for e in error_of(caught.value)["errors"]] == [code]
    assert fake.tasks() == []


def test_task_create_rejects_a_wrong_association(fake: HubSpotFake, sdk: Any) -> None:
    contact = fake.add_contact("ada@example.com")

    for wrong in (task_input(contact, type_id=203), task_input("424242")):
        with pytest.raises(TasksApiException) as caught:
            create_tasks(sdk, wrong)
        assert caught.value.status == 400
    assert fake.tasks() == []


def test_task_status_changes_stamp_and_clear_the_completion_date(
    fake: HubSpotFake, sdk: Any, clock: Clock
) -> None:
    contact = fake.add_contact("ada@example.com")
    task_id = create_tasks(sdk, task_input(contact)).results[0].id
    done_at = START + timedelta(hours=2)

    fake.complete_task(task_id, at=done_at)
    completed = fake.tasks()[0]["properties"]
    fake.set_task_status(task_id, "IN_PROGRESS", at=done_at + timedelta(minutes=1))
    reopened = fake.tasks()[0]["properties"]

    assert completed["hs_task_completion_date"] == "2026-11-24T11:00:00.000Z"
    assert completed["hs_lastmodifieddate"] == "2026-11-24T11:00:00.000Z"
    assert "hs_task_completion_date" not in reopened
    assert reopened["hs_lastmodifieddate"] == "2026-11-24T11:01:00.000Z"


# search


def test_search_by_last_modified_pages_in_order(fake: HubSpotFake, sdk: Any, clock: Clock) -> None:
    owner = fake.add_owner("olga@example.com", "Olga", "Owner")
    contact = fake.add_contact("ada@example.com")
    ids = []
    for _ in range(5):
        ids.append(create_tasks(sdk, task_input(contact)).results[0].id)
        clock.advance(60)
    fake.complete_task(ids[0])  # now the most recently modified
    fake.reassign_task(ids[1], owner, at=START - timedelta(days=1))  # falls out of the window

    seen, after, pages = [], None, 0
    while True:
        page = search_modified_since(sdk, START, limit=2, after=after)
        pages += 1
        seen += [r.id for r in page.results]
        if page.paging is None:
            break
        after = page.paging.next.after

    assert page.total == 4
    assert pages == 2
    assert seen == [ids[2], ids[3], ids[4], ids[0]]
    assert page.results[-1].properties["hs_task_status"] == "COMPLETED"


def test_search_enforces_hubspots_limits(fake: HubSpotFake, sdk: Any) -> None:
    too_many_groups = [FilterGroup(filters=[]) for _ in range(6)]
    for request in (
        PublicObjectSearchRequest(limit=201),
        PublicObjectSearchRequest(limit=10, after="10000"),
        PublicObjectSearchRequest(filter_groups=too_many_groups),
    ):
        with pytest.raises(TasksApiException) as caught:
            sdk.crm.objects.tasks.search_api.do_search(request)
        assert caught.value.status == 400


def test_search_lags_behind_writes(server: Mount, clock: Clock) -> None:
    fake = HubSpotFake(clock=clock, search_lag_seconds=30)
    contact = fake.add_contact("ada@example.com")
    sdk = server.serve(fake)

    task_id = create_tasks(sdk, task_input(contact)).results[0].id
    assert search_modified_since(sdk, START, limit=10).total == 0  # not indexed yet

    clock.advance(31)
    assert [r.id for r in search_modified_since(sdk, START, limit=10).results] == [task_id]

    fake.complete_task(task_id)
    stale = search_modified_since(sdk, START, limit=10).results[0]
    assert stale.properties["hs_task_status"] == "NOT_STARTED"  # the index's older copy

    clock.advance(31)
    fresh = search_modified_since(sdk, START, limit=10).results[0]
    assert fresh.properties["hs_task_status"] == "COMPLETED"


# owners and associations


def test_owners_get_page(fake: HubSpotFake, sdk: Any) -> None:
    olga = fake.add_owner("olga@example.com", "Olga", "Owner", ["EMEA", "Enterprise"])
    fake.add_owner("pete@example.com", "Pete", "Person")
    gone = fake.add_owner("gone@example.com", "Gone", "Away", archived=True)

    first = sdk.crm.owners.owners_api.get_page(limit=1)
    second = sdk.crm.owners.owners_api.get_page(limit=1, after=first.paging.next.after)
    archived = sdk.crm.owners.owners_api.get_page(archived=True)
    by_email = sdk.crm.owners.owners_api.get_page(email="OLGA@example.com")

    assert first.results[0].id == olga
    assert [(t.name, t.primary) for t in first.results[0].teams] == [
        ("EMEA", True),
        ("Enterprise", False),
    ]
    assert second.results[0].email == "pete@example.com"
    assert second.paging is None
    assert [o.id for o in archived.results] == [gone]
    assert archived.results[0].user_id is None
    assert [o.id for o in by_email.results] == [olga]


def test_v4_associations_get_page(fake: HubSpotFake, sdk: Any) -> None:
    contact = fake.add_contact("ada@example.com")
    tasks = create_tasks(sdk, task_input(contact), task_input(contact)).results

    page = sdk.crm.associations.v4.basic_api.get_page("contacts", contact, "tasks", limit=500)
    back = sdk.crm.associations.v4.basic_api.get_page("tasks", tasks[0].id, "contacts")

    assert [r.to_object_id for r in page.results] == [t.id for t in tasks]
    assert page.results[0].association_types[0].type_id == 203
    assert back.results[0].to_object_id == contact
    assert back.results[0].association_types[0].type_id == 204


def test_properties_can_be_read_and_created_once(fake: HubSpotFake, sdk: Any) -> None:
    category = sdk.crm.properties.core_api.get_by_name("contacts", "nps_category")
    sdk.crm.properties.groups_api.create(
        "contacts", PropertyGroupCreate(name="feedback", label="Feedback")
    )
    new = PropertyCreate(
        name="nps_reason", label="Reason", type="string", field_type="text", group_name="feedback"
    )
    sdk.crm.properties.core_api.create("contacts", new)
    with pytest.raises(PropertiesApiException) as caught:
        sdk.crm.properties.core_api.create("contacts", new)

    assert [o.value for o in category.options] == ["promoter", "passive", "detractor"]
    assert caught.value.status == 409
    ada = fake.add_contact("ada@example.com")
    update_contacts(sdk, {ada: {"nps_reason": "price"}})
    assert fake.contacts()[0]["properties"]["nps_reason"] == "price"


# auth, rate limits, faults


def test_a_wrong_token_gets_401(base_url: str) -> None:
    client = HubSpot(access_token="stolen", host=base_url)

    with pytest.raises(OwnersUnauthorized) as caught:
        client.crm.owners.owners_api.get_page()

    assert error_of(caught.value)["category"] == "INVALID_AUTHENTICATION"
    assert httpx.get(f"{base_url}/crm/v3/owners/").status_code == 401


def test_unknown_paths_get_404_and_trailing_slashes_are_tolerated(base_url: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}

    missing = httpx.get(f"{base_url}/crm/v3/objects/deals/1", headers=headers)
    listed = httpx.get(f"{base_url}/crm/v3/properties/contacts/", headers=headers)

    assert missing.status_code == 404
    assert missing.json()["status"] == "error"
    assert listed.status_code == 200


def test_injected_429_and_500_then_recovery(fake: HubSpotFake, sdk: Any) -> None:
    fake.inject("/crm/v3/objects/tasks/search", 429, retry_after=1)
    fake.inject("/crm/v3/objects/tasks/search", 500)
    request = PublicObjectSearchRequest(limit=1)

    with pytest.raises(TasksApiException) as limited:
        sdk.crm.objects.tasks.search_api.do_search(request)
    with pytest.raises(TasksServiceException) as broken:
        sdk.crm.objects.tasks.search_api.do_search(request)

    assert limited.value.status == 429
    assert limited.value.headers["Retry-After"] == "1"
    assert error_of(limited.value)["errorType"] == "RATE_LIMIT"
    assert broken.value.status == 500
    assert sdk.crm.objects.tasks.search_api.do_search(request).total == 0


def test_the_ten_second_limit_answers_429_with_headers(server: Mount) -> None:
    sdk = server.serve(HubSpotFake(ten_second_limit=2))

    first = sdk.crm.owners.owners_api.get_page_with_http_info()
    sdk.crm.owners.owners_api.get_page()
    with pytest.raises(OwnersApiException) as caught:
        sdk.crm.owners.owners_api.get_page()

    assert first[2]["X-HubSpot-RateLimit-Max"] == "2"
    assert first[2]["X-HubSpot-RateLimit-Remaining"] == "1"
    assert first[2]["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert caught.value.status == 429
    assert error_of(caught.value)["policyName"] == "TEN_SECONDLY_ROLLING"


def test_search_has_its_own_secondly_limit(fake: HubSpotFake, sdk: Any) -> None:
    request = PublicObjectSearchRequest(limit=1)
    with pytest.raises(TasksApiException) as caught:
        for _ in range(6):
            sdk.crm.objects.tasks.search_api.do_search(request)

    assert caught.value.status == 429
    assert error_of(caught.value)["policyName"] == "SECONDLY"
    assert "X-HubSpot-RateLimit-Max" not in caught.value.headers


def test_a_failure_after_processing_still_creates_the_task(fake: HubSpotFake, sdk: Any) -> None:
    contact = fake.add_contact("ada@example.com")
    fake.inject("/tasks/batch/create", 500, after_processing=True)
    fake.inject("/tasks/batch/create", 500, after_processing=True, drop=True)

    with pytest.raises(TasksServiceException):
        create_tasks(sdk, task_input(contact))
    with pytest.raises(urllib3.exceptions.ProtocolError):
        create_tasks(sdk, task_input(contact))

    assert len(fake.tasks_for_contact(contact)) == 2
    assert fake.requests.count(("POST", "/crm/v3/objects/tasks/batch/create")) == 2


def test_single_task_create_and_get_with_associations(fake: HubSpotFake, sdk: Any) -> None:
    contact = fake.add_contact("ada@example.com")

    created = sdk.crm.objects.tasks.basic_api.create(task_input(contact))
    task = sdk.crm.objects.tasks.basic_api.get_by_id(
        created.id, properties=["hs_task_subject"], associations=["contacts"]
    )

    assert task.properties["hs_task_subject"] == "Call back"
    assert [a.id for a in task.associations["contacts"].results] == [contact]


def test_contacts_search_by_email_token(fake: HubSpotFake, sdk: Any) -> None:
    ada = fake.add_contact("ada@example.com")
    fake.add_contact("bob@elsewhere.example")
    token = ContactFilter(property_name="email", operator="CONTAINS_TOKEN", value="*@example.com")

    found = sdk.crm.contacts.search_api.do_search(
        ContactSearch(filter_groups=[ContactFilterGroup(filters=[token])], sorts=["-createdate"])
    )

    assert [r.id for r in found.results] == [ada]
    assert found.results[0].properties["email"] == "ada@example.com"


# idempotent creates: unique properties, batch upsert, default associations, slow commits


def define_task_key(sdk: Any, *, unique: bool = True) -> None:
    key = PropertyCreate(
        name="followup_key",
        label="Key",
        type="string",
        field_type="text",
        group_name="taskinformation",
        has_unique_value=unique,
    )
    sdk.crm.properties.core_api.create("tasks", key)


def upsert(sdk: Any, *keys: str, subject: str = "Call back") -> Any:
    inputs = [
        SimplePublicObjectBatchInputUpsert(
            id_property="followup_key",
            id=key,
            properties={"hs_timestamp": "1795510800000", "hs_task_subject": subject},
            object_write_trace_id=f"trace-{key}",
        )
        for key in keys
    ]
    return sdk.crm.objects.tasks.batch_api.upsert(
        BatchInputSimplePublicObjectBatchInputUpsert(inputs=inputs)
    )


def test_a_unique_task_property_is_created_through_the_properties_api(sdk: Any) -> None:
    define_task_key(sdk)

    created = sdk.crm.properties.core_api.get_by_name("tasks", "followup_key")
    email = sdk.crm.properties.core_api.get_by_name("contacts", "email")
    assert created.has_unique_value and email.has_unique_value
    assert not sdk.crm.properties.core_api.get_by_name("tasks", "hs_task_subject").has_unique_value


def test_batch_upsert_creates_then_updates_by_the_unique_value(fake: HubSpotFake, sdk: Any) -> None:
    define_task_key(sdk)

    first = upsert(sdk, "k1", "k2")
    fake.complete_task(first.results[0].id)
    second = upsert(sdk, "k1", subject="Call back, with the comment")

    assert [(r.new, r.properties["followup_key"]) for r in first.results] == [
        (True, "k1"),
        (True, "k2"),
    ]
    assert first.results[0].object_write_trace_id == "trace-k1"
    [again] = second.results
    assert (again.new, again.id) == (False, first.results[0].id)
    by_key = {t["properties"]["followup_key"]: t["properties"] for t in fake.tasks()}
    assert len(by_key) == 2 and len(fake.tasks()) == 2
    assert by_key["k1"]["hs_task_subject"] == "Call back, with the comment"
    assert by_key["k1"]["hs_task_status"] == "COMPLETED"  # not sent, so not touched


@pytest.mark.parametrize(
    ("id_property", "unique", "expected"),
    [
        ("nps_nope", True, "does not exist"),
        ("followup_key", False, "does not require unique values"),
        ("hs_task_subject", True, "does not require unique values"),
    ],
)
def test_batch_upsert_needs_an_existing_unique_id_property(
    fake: HubSpotFake, sdk: Any, base_url: str, id_property: str, unique: bool, expected: str
) -> None:
    define_task_key(sdk, unique=unique)
    item = {"idProperty": id_property, "id": "k1", "properties": {"hs_timestamp": "1795510800000"}}

    answer = httpx.post(
        f"{base_url}/crm/v3/objects/tasks/batch/upsert",
        json={"inputs": [item]},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )

    assert answer.status_code == 400
    assert answer.json()["category"] == "VALIDATION_ERROR"
    assert expected in answer.json()["message"]
    assert fake.tasks() == []


def test_upserts_treated_as_creates_duplicate(fake: HubSpotFake, sdk: Any) -> None:
    define_task_key(sdk)
    fake.treat_upserts_as_creates()

    upsert(sdk, "k1")
    upsert(sdk, "k1")

    assert len(fake.tasks()) == 2


def test_default_associations_are_idempotent_and_name_missing_records(
    fake: HubSpotFake, sdk: Any
) -> None:
    define_task_key(sdk)
    contact = fake.add_contact("ada@example.com")
    [made] = upsert(sdk, "k1").results
    pairs = [(made.id, contact), (made.id, "424242")]
    inputs = [
        PublicDefaultAssociationMultiPost(_from=AssocObjectId(id=f), to=AssocObjectId(id=t))
        for f, t in pairs
    ]
    batch = sdk.crm.associations.v4.batch_api
    body = BatchInputPublicDefaultAssociationMultiPost(inputs=inputs)

    for _ in range(2):
        # The SDK maps only a 200 for this call, so the 207 is read raw.
        raw = batch.create_default("tasks", "contacts", body, _preload_content=False)

    answer = json.loads(raw.data)
    assert raw.status == 207
    assert [(r["from"]["id"], r["to"]["id"]) for r in answer["results"]] == [(made.id, contact)]
    assert answer["results"][0]["associationSpec"]["associationTypeId"] == 204
    assert answer["errors"][0]["context"] == {"ids": ["424242"]}
    assert fake.tasks()[0]["contact_ids"] == [contact]
    assert fake.tasks_for_contact(contact) == fake.tasks()


def test_a_slow_commit_lands_after_the_client_gave_up(
    fake: HubSpotFake, sdk: Any, base_url: str
) -> None:
    define_task_key(sdk)
    slow = fake.slow_commits(1.0, 0.5, paths=("/batch/upsert",))
    item = {"idProperty": "followup_key", "id": "k1", "properties": {"hs_timestamp": "1"}}

    with pytest.raises(httpx.ReadTimeout):
        httpx.post(
            f"{base_url}/crm/v3/objects/tasks/batch/upsert",
            json={"inputs": [item]},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=0.1,
        )
    assert fake.tasks() == []  # not yet: the write is still on its way
    deadline = time.monotonic() + 10
    while not fake.tasks() and time.monotonic() < deadline:
        time.sleep(0.05)

    assert slow.count == 1 and len(fake.tasks()) == 1
