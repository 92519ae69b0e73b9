"""The hot calls read HubSpot JSON directly: documented shapes parse, the rest is refused."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from connectors.crm.hubspot import HubSpotCrm, wire
from connectors.crm.hubspot.fake import HubSpotFake
from syncd.errors import CrmOutcomeUnknown
from syncd.model import ContactField
from syncd.sandbox.http import LoopbackServer, Request, Response
from tests.connectors.test_hubspot_crm import TOKEN, FakeClock, make_crm


class Raw:
    """A urllib3-like raw answer."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.released = False

    def release_conn(self) -> None:
        self.released = True


def test_a_batch_answer_parses_results_errors_and_trace_ids() -> None:
    body = {
        "status": "COMPLETE",
        "results": [
            {
                "id": 42,
                "properties": {"email": "a@x.example", "n": 7, "gone": None},
                "updatedAt": "2026-12-01T10:00:00.123Z",
                "objectWriteTraceId": "k1",
            },
            "not an object",
        ],
        "errors": [
            {"category": "OBJECT_NOT_FOUND", "message": "gone", "context": {"ids": ["9", 10]}},
            {"category": "VALIDATION_ERROR", "message": "bad", "context": "not a dict"},
        ],
    }
    result = wire.batch_result(body)
    (record,) = result.results
    assert record.id == "42"
    assert record.properties == {"email": "a@x.example", "n": "7", "gone": None}
    assert record.updated_at == datetime(2026, 12, 1, 10, 0, 0, 123000, tzinfo=UTC)
    assert record.trace_id == "k1"
    assert [e.refs for e in result.errors] == [("9", "10"), ()]


def test_a_search_page_carries_its_cursor() -> None:
    page = wire.record_page({"results": [{"id": "1"}], "paging": {"next": {"after": 200}}})
    assert page.after == "200"
    assert wire.record_page({"results": []}).after is None
    assert wire.next_after({"paging": {"next": "x"}}) is None
    assert wire.next_after({"paging": []}) is None


def test_a_bad_timestamp_is_no_timestamp() -> None:
    assert wire.record({"id": "1", "updatedAt": "yesterday"}).updated_at is None
    assert wire.record({"id": "1", "updatedAt": 17}).updated_at is None


@pytest.mark.parametrize(
    "item",
    [{"properties": {}}, {"id": ""}, {"id": None}, {"id": True}, {"id": "1", "properties": [1]}],
)
def test_a_result_without_a_usable_id_or_properties_is_refused(item: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        wire.record(item)


@pytest.mark.parametrize(
    "data", [b'{"results": [{"id": "1"', b"[]", b'"text"', b"<html>", b'{"results": {}}']
)
def test_a_truncated_or_misshapen_body_is_refused_and_the_connection_released(data: bytes) -> None:
    raw = Raw(data)
    with pytest.raises(ValueError):
        wire.batch_result(wire.json_body(raw))
    assert raw.released


def test_an_empty_body_is_an_empty_result() -> None:
    assert wire.batch_result(wire.json_body(Raw(b""))).results == ()


class Hostile:
    """The fake, except that contact batch reads answer ``body``."""

    def __init__(self, fake: HubSpotFake, body: object) -> None:
        self.fake, self.body, self.reads = fake, body, 0

    def __call__(self, request: Request) -> Response:
        if request.path.endswith("/contacts/batch/read"):
            self.reads += 1
            return Response(200, self.body)
        return self.fake(request)


@pytest.fixture
def fake() -> HubSpotFake:
    portal = HubSpotFake(token=TOKEN)
    portal.set_up()
    return portal


@pytest.mark.parametrize(
    "body",
    [
        "a JSON string",
        [{"id": "1"}],
        {"results": "many"},
        {"results": [{"id": None, "properties": {"email": "a@x.example"}}]},
        {"results": [{"id": "1", "properties": "email=a@x.example"}]},
    ],
)
def test_a_misshapen_answer_is_an_unknown_outcome_after_the_inline_retries(
    fake: HubSpotFake, body: object
) -> None:
    hostile = Hostile(fake, body)
    with LoopbackServer(hostile) as server:
        crm: HubSpotCrm = make_crm(server, FakeClock())
        try:
            with pytest.raises(CrmOutcomeUnknown):
                crm.find_contacts(ContactField(None), ["a@x.example"])
        finally:
            crm.close()
    assert hostile.reads > 1  # a read is idempotent: retried inline before giving up


@pytest.fixture
def crm_on_fake(fake: HubSpotFake) -> Iterator[HubSpotCrm]:
    with LoopbackServer(fake) as server:
        client = make_crm(server, FakeClock())
        yield client
        client.close()


def test_found_contacts_come_back_through_the_raw_path(
    fake: HubSpotFake, crm_on_fake: HubSpotCrm
) -> None:
    fake.add_contact("Ann@X.example")
    found = crm_on_fake.find_contacts(ContactField(None), ["ann@x.example", "nobody@x.example"])
    assert list(found) == ["ann@x.example"]
