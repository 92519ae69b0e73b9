"""``HubSpotCrm`` end to end: the real SDK over HTTP against the sandbox HubSpot fake."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from hubspot import HubSpot
from pydantic import SecretStr

from connectors.crm.hubspot import HubSpotCrm, HubSpotSettings
from connectors.crm.hubspot.fake import HubSpotFake
from connectors.crm.hubspot.mapping import parse_time
from connectors.crm.hubspot.settings import HubSpotFieldNames
from connectors.crm.hubspot.setup import TaskKeyPropertyMissing, task_key_property
from syncd.contracts import BatchOutcome
from syncd.errors import (
    CrmAuthError,
    CrmOutcomeUnknown,
    CrmRejected,
    CrmSetupError,
    CrmUnavailable,
)
from syncd.model import (
    EMAIL,
    ContactUpdate,
    NpsCategory,
    NpsFields,
    Priority,
    SetupState,
    TaskSpec,
    TaskUpdate,
)
from syncd.sandbox.http import LoopbackServer

TOKEN = "sandbox-token-s3cr3t"
NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class FakeClock:
    """Monotonic time for the client's rate limiters that only moves when they sleep."""

    now: float = 1000.0
    slept: list[float] = field(default_factory=list)

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def fake() -> HubSpotFake:
    portal = HubSpotFake(token=TOKEN, search_lag_seconds=0.0, ten_second_limit=190)
    portal.set_up()
    return portal


@pytest.fixture
def server(fake: HubSpotFake) -> Iterator[LoopbackServer]:
    with LoopbackServer(fake) as running:
        yield running


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def make_crm(server: LoopbackServer, clock: FakeClock, **settings: object) -> HubSpotCrm:
    options: dict[str, object] = {"base_url": server.base_url, "access_token": TOKEN} | settings
    return HubSpotCrm(
        "hubspot", HubSpotSettings.model_validate(options), sleep=clock.sleep, clock=clock
    )


@pytest.fixture
def crm(server: LoopbackServer, clock: FakeClock) -> Iterator[HubSpotCrm]:
    client = make_crm(server, clock)
    yield client
    client.close()


def calls(fake: HubSpotFake, path_end: str) -> int:
    return sum(1 for _, path in fake.requests if path.endswith(path_end))


def ids_of(outcome: BatchOutcome) -> dict[str, str]:
    """The created ids of an outcome that must hold no errors."""
    assert all(isinstance(value, str) for value in outcome.values()), outcome
    return {key: str(value) for key, value in outcome.items()}


def task(key: str, contact_id: str, owner_id: str | None = None) -> TaskSpec:
    return TaskSpec(
        key=key,
        contact_id=contact_id,
        owner_id=owner_id,
        subject=f"Follow up {key}",
        body="Customer answered 3.",
        priority=Priority.HIGH,
        due_at=NOW + timedelta(days=2),
    )


def fields(score: int = 7, comment: str | None = "ok") -> NpsFields:
    return NpsFields(
        score=score,
        category=NpsCategory.from_score(score),
        responded_at=NOW,
        comment=comment,
        link="https://surveys.example/r/1",
        survey="Q1 NPS",
        source="delighted",
    )


# --- contacts -----------------------------------------------------------------------------------


def test_find_contacts_chunks_by_100(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    emails = [f"user{n}@example.com" for n in range(150)]
    for email in emails[:140]:
        fake.add_contact(email)

    found = crm.find_contacts(EMAIL, emails)

    assert len(found) == 140
    assert calls(fake, "/contacts/batch/read") == 2


def test_find_contacts_all_missing(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    assert crm.find_contacts(EMAIL, ["ghost@example.com"]) == {}
    assert crm.find_contacts(EMAIL, []) == {}


def test_update_contacts_writes_strings(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    contact = fake.add_contact("carol@example.com")

    outcome = crm.update_contacts([ContactUpdate("u1", contact, fields(7))])

    assert outcome == {"u1": contact}
    props = fake.contacts()[0]["properties"]
    assert props["nps_score"] == "7"
    assert props["nps_category"] == "passive"
    assert props["nps_comment"] == "ok"
    assert props["nps_survey"] == "Q1 NPS"
    assert parse_time(props["nps_last_response_at"]) == NOW


def test_update_contacts_clears_comment(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    contact = fake.add_contact("dan@example.com")
    crm.update_contacts([ContactUpdate("u1", contact, fields(9, comment="great"))])

    crm.update_contacts([ContactUpdate("u2", contact, fields(9, comment=None))])

    assert not fake.contacts()[0]["properties"].get("nps_comment")


def test_update_contacts_same_contact_twice_last_wins(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    contact = fake.add_contact("fay@example.com")

    outcome = crm.update_contacts(
        [ContactUpdate("u1", contact, fields(2)), ContactUpdate("u2", contact, fields(10))]
    )

    assert outcome == {"u1": contact, "u2": contact}
    assert fake.contacts()[0]["properties"]["nps_score"] == "10"


def test_update_contacts_misconfigured_field_blocks_without_bisecting(
    fake: HubSpotFake, server: LoopbackServer, clock: FakeClock
) -> None:
    ids = [fake.add_contact(f"g{n}@example.com") for n in range(3)]
    updates = [ContactUpdate(f"u{n}", i, fields()) for n, i in enumerate(ids)]
    with (
        closing(make_crm(server, clock, fields=HubSpotFieldNames(score="nps_scroe"))) as crm,
        pytest.raises(CrmSetupError) as raised,
    ):
        crm.update_contacts(updates)

    assert "'nps_scroe'" in str(raised.value) and "PROPERTY_DOESNT_EXIST" in str(raised.value)
    assert sum("batch/update" in path for _, path in fake.requests) == 1
    assert not any("nps_score" in c["properties"] for c in fake.contacts())


# --- tasks --------------------------------------------------------------------------------------


def test_create_tasks_associates_and_sets_fields(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    owner = fake.add_owner("ann@example.com", "Ann", "Lee")
    contact = fake.add_contact("hal@example.com")
    spec = task("t1", contact, owner)

    outcome = crm.create_tasks([spec])

    task_id = outcome["t1"]
    assert isinstance(task_id, str)
    [created] = fake.tasks_for_contact(contact)
    props = created["properties"]
    assert created["id"] == task_id
    assert props["hubspot_owner_id"] == owner
    assert props["hs_task_status"] == "NOT_STARTED"
    assert props["hs_task_priority"] == "HIGH"
    assert props["hs_task_subject"] == "Follow up t1"
    assert parse_time(props["hs_timestamp"]) == spec.due_at
    assert props["hs_task_body"] == "Customer answered 3."
    assert props["nps_task_key"] == "t1"  # the unique property the create upserts on


def test_created_task_association_is_type_204(
    fake: HubSpotFake, server: LoopbackServer, crm: HubSpotCrm
) -> None:
    contact = fake.add_contact("ivy@example.com")
    task_id = crm.create_tasks([task("t1", contact)])["t1"]

    api = HubSpot(access_token=TOKEN, host=server.base_url).crm.associations.v4.basic_api
    page = api.get_page("tasks", task_id, "contacts")
    api.api_client.rest_client.pool_manager.clear()

    [association] = page.results
    assert str(association.to_object_id) == contact
    assert [t.type_id for t in association.association_types] == [204]


def test_create_150_tasks_takes_two_calls(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    contact = fake.add_contact("jo@example.com")

    outcome = crm.create_tasks([task(f"t{n}", contact) for n in range(150)])

    assert calls(fake, "/tasks/batch/create") == 2  # associated inline
    assert calls(fake, "/tasks/batch/upsert") == 0
    assert calls(fake, "/tasks/contacts/batch/associate/default") == 0
    assert len(set(outcome.values())) == 150
    by_id = {t["id"]: t for t in fake.tasks()}
    # every key got the id of the task that carries its own key
    assert all(by_id[str(v)]["properties"]["nps_task_key"] == k for k, v in outcome.items())
    assert all(t["contact_ids"] == [contact] for t in fake.tasks())


def test_a_create_whose_answer_is_lost_is_settled_by_upsert_at_once(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    contact = fake.add_contact("lee@example.com")
    fake.inject("/tasks/batch/create", 500, after_processing=True)

    outcome = crm.create_tasks([task("t1", contact)])

    assert calls(fake, "/tasks/batch/create") == 1  # a create is never repeated blindly
    assert calls(fake, "/tasks/batch/upsert") == 1
    [created] = fake.tasks()
    assert outcome == {"t1": created["id"]}
    assert created["contact_ids"] == [contact]


@pytest.mark.parametrize("drop", [False, True], ids=["500", "dropped"])
def test_create_with_lost_answer_is_retried_inline_and_finds_its_task(
    fake: HubSpotFake, crm: HubSpotCrm, drop: bool
) -> None:
    contact = fake.add_contact("lee@example.com")
    fake.inject("/tasks/batch/create", 500, after_processing=True)
    fake.inject("/tasks/batch/upsert", 500, after_processing=True, drop=drop)

    outcome = crm.create_tasks([task("t1", contact)])

    assert calls(fake, "/tasks/batch/upsert") == 2  # the upsert is safe to repeat
    [created] = fake.tasks()
    assert outcome == {"t1": created["id"]}
    assert created["contact_ids"] == [contact]


def test_repeated_create_updates_content_but_keeps_status(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    contact = fake.add_contact("lou@example.com")
    first = ids_of(crm.create_tasks([task("t1", contact)]))
    fake.complete_task(first["t1"])
    again = replace(task("t1", contact), subject="Follow up, with the late comment")

    assert ids_of(crm.create_tasks([again])) == first
    [only] = fake.tasks()
    assert only["properties"]["hs_task_status"] == "COMPLETED"
    assert only["properties"]["hs_task_subject"] == "Follow up, with the late comment"
    assert only["contact_ids"] == [contact]


def test_recovering_100_unknown_creates_takes_three_calls(
    fake: HubSpotFake, server: LoopbackServer, clock: FakeClock
) -> None:
    contact = fake.add_contact("mo@example.com")
    specs = [task(f"t{n}", contact) for n in range(100)]
    with closing(make_crm(server, clock, read_retries=0)) as crm:
        seen: list[str] = []
        crm.traffic.subscribe(lambda exchange: seen.append(exchange.endpoint))
        fake.inject("/tasks/batch/create", 500, after_processing=True)
        fake.inject("/tasks/batch/upsert", 500, after_processing=True)
        with pytest.raises(CrmOutcomeUnknown):
            crm.create_tasks(specs)
        before = len(fake.requests)

        outcome = crm.create_tasks(specs)

    assert fake.requests[before:] == [
        ("POST", "/crm/v3/objects/tasks/batch/create"),  # 207: every key is taken
        ("POST", "/crm/v3/objects/tasks/batch/upsert"),
        ("POST", "/crm/v4/associations/tasks/contacts/batch/associate/default"),
    ]
    # The associations API, built on this first use, has its answers watched like the others.
    assert "crm.associations.tasks.contacts.batch.associate.default" in seen
    assert len(fake.tasks()) == 100
    assert set(ids_of(outcome).values()) == {t["id"] for t in fake.tasks()}


def test_missing_task_key_property_fails_clearly(clock: FakeClock) -> None:
    bare = HubSpotFake(token=TOKEN)  # a portal nobody ran the setup on
    with LoopbackServer(bare) as portal, closing(make_crm(portal, clock)) as crm:
        contact = bare.add_contact("nia@example.com")
        with pytest.raises(TaskKeyPropertyMissing, match=r"nps_task_key.*does not exist"):
            crm.create_tasks([task("t1", contact)])
        bare.ensure_property("tasks", task_key_property("nps_task_key") | {"hasUniqueValue": False})
        with pytest.raises(TaskKeyPropertyMissing, match="does not require unique values"):
            crm.create_tasks([task("t1", contact)])
    assert bare.tasks() == []


KEY_READS = "/crm/v3/properties/tasks/nps_task_key"


def test_the_start_up_check_s_read_of_the_task_key_serves_the_first_create(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    contact = fake.add_contact("ola@example.com")
    crm.setup(dry_run=True)  # what the daemon's start-up check runs
    assert calls(fake, KEY_READS) == 1
    assert isinstance(crm.create_tasks([task("t1", contact)])["t1"], str)
    assert calls(fake, KEY_READS) == 1  # not read again


def test_a_start_up_check_that_could_not_read_the_task_key_leaves_it_to_the_first_create(
    fake: HubSpotFake, crm: HubSpotCrm
) -> None:
    contact = fake.add_contact("pia@example.com")
    fake.inject(KEY_READS, 403)  # a scope the token lacks, say
    (step,) = [s for s in crm.setup(dry_run=True) if "nps_task_key" in s.what]
    assert step.state is SetupState.FAILED
    reads = calls(fake, KEY_READS)
    assert isinstance(crm.create_tasks([task("t1", contact)])["t1"], str)
    assert calls(fake, KEY_READS) == reads + 1  # read (and found) before the first create


def test_create_tasks_retries_429_inline(
    fake: HubSpotFake, crm: HubSpotCrm, clock: FakeClock
) -> None:
    contact = fake.add_contact("max@example.com")
    fake.inject("/tasks/batch/create", 429)

    outcome = crm.create_tasks([task("t1", contact)])

    assert isinstance(outcome["t1"], str)
    assert calls(fake, "/tasks/batch/create") == 2  # HubSpot did not process a 429: resent
    assert len(fake.tasks()) == 1
    assert sum(clock.slept) >= 10  # TEN_SECONDLY_ROLLING: wait 10 s


def test_reads_retry_a_server_error(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    fake.add_contact("ola@example.com")
    fake.inject("/contacts/batch/read", 502)

    assert set(crm.find_contacts(EMAIL, ["ola@example.com"])) == {"ola@example.com"}
    assert calls(fake, "/contacts/batch/read") == 2


def test_update_tasks_keeps_the_key(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    contact = fake.add_contact("sam@example.com")
    task_id = crm.create_tasks([task("t1", contact)])["t1"]
    assert isinstance(task_id, str)

    outcome = crm.update_tasks(
        [TaskUpdate("src:t1", task_id, "New subject", "New body", Priority.LOW)]
    )

    assert outcome == {"src:t1": task_id}
    props = fake.tasks()[0]["properties"]
    assert props["hs_task_subject"] == "New subject"
    assert props["hs_task_priority"] == "LOW"
    assert props["nps_task_key"] == "t1"


def test_update_missing_task_is_rejected(crm: HubSpotCrm) -> None:
    outcome = crm.update_tasks([TaskUpdate("m", "123456", "s", "b", Priority.LOW)])

    assert isinstance(outcome["m"], CrmRejected)


# --- task changes -------------------------------------------------------------------------------


def test_task_changes_pages_through_search(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    contact = fake.add_contact("uma@example.com")
    since = datetime.now(UTC) - timedelta(seconds=1)
    for start in (0, 100, 200):
        crm.create_tasks([task(f"t{n}", contact) for n in range(start, start + 100)])
    for created in fake.tasks():
        fake.complete_task(created["id"])

    pages = list(crm.task_changes(since))

    assert [len(page.changes) for page in pages] == [200, 100]
    assert calls(fake, "/tasks/search") == 2
    assert len({c.task_id for page in pages for c in page.changes}) == 300


# --- owners -------------------------------------------------------------------------------------


def test_list_owners_with_teams(fake: HubSpotFake, crm: HubSpotCrm) -> None:
    ann = fake.add_owner("Ann@example.com", "Ann", "Lee", teams=["Support", "EMEA"])
    fake.add_owner("old@example.com", "Old", "Timer", archived=True)
    for n in range(120):
        fake.add_owner(f"rep{n}@example.com", "Rep", str(n))

    owners = {owner.id: owner for owner in crm.list_owners()}

    assert len(owners) == 121
    assert owners[ann].name == "Ann Lee"
    assert owners[ann].email == "ann@example.com"
    assert owners[ann].teams == frozenset({"Support", "EMEA"})
    assert all(owner.active for owner in owners.values())


# --- failures before HubSpot does anything ------------------------------------------------------


def test_wrong_token_is_auth_error_without_the_token(
    server: LoopbackServer, clock: FakeClock
) -> None:
    with (
        closing(make_crm(server, clock, access_token="wrong-token-123")) as crm,
        pytest.raises(CrmAuthError) as raised,
    ):
        crm.find_contacts(EMAIL, ["a@example.com"])

    assert "401" in str(raised.value)
    assert "wrong-token-123" not in str(raised.value)
    assert "wrong-token-123" not in str(raised.value.__cause__)
    assert "wrong-token-123" not in repr(crm)


def test_settings_hide_the_token() -> None:
    settings = HubSpotSettings(access_token=SecretStr(TOKEN))

    assert TOKEN not in repr(settings)
    assert TOKEN not in str(settings.model_dump())


def crm_at(port: int, clock: FakeClock) -> HubSpotCrm:
    settings = HubSpotSettings(
        base_url=f"http://127.0.0.1:{port}",
        access_token=SecretStr(TOKEN),
        read_retries=0,
        timeout_seconds=0.3,
    )
    return HubSpotCrm("hubspot", settings, sleep=clock.sleep, clock=clock)


def test_connection_refused_is_unavailable(clock: FakeClock) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with closing(crm_at(port, clock)) as crm, pytest.raises(CrmUnavailable):
        crm.create_tasks([task("t1", "1")])


def test_read_timeout_on_create_is_outcome_unknown(clock: FakeClock) -> None:
    # A listener that never answers: the request is sent, no response comes back.
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        port = listener.getsockname()[1]
        with closing(crm_at(port, clock)) as crm, pytest.raises(CrmOutcomeUnknown):
            crm.create_tasks([task("t1", "1")])
