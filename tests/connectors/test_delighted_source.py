"""DelightedSource: HTTP behaviour with respx, parsing, and completeness against the real fake."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pydantic
import pytest
import respx

from connectors.sources.delighted import DelightedSettings, DelightedSource
from connectors.sources.delighted.fake import DelightedFake
from connectors.sources.delighted.fake.faults import Fault
from syncd.contracts import SurveySource
from syncd.errors import SourceAuthError, SourceRejected, SourceUnavailable
from syncd.model import Rejected, SourcePage, SurveyResponse
from syncd.sandbox.http import Handler, LoopbackServer, Request, Response

BASE = "https://delighted.test/v1"
KEY = "sk-live-SECRET-0123456789"
T0 = datetime(2024, 6, 1, tzinfo=UTC)
T0_UNIX = 1717200000
LIST_URL = f"{BASE}/survey_responses.json"


class Sleeps(list[float]):
    """Records the retry waits instead of sleeping them."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def router() -> Iterator[respx.MockRouter]:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


def _settings(**overrides: Any) -> DelightedSettings:
    values: dict[str, Any] = {"base_url": BASE, "api_key": KEY, "requests_per_second": 1000}
    return DelightedSettings.model_validate(values | overrides)


_OPEN: list[DelightedSource] = []


@pytest.fixture(autouse=True)
def _close_sources() -> Iterator[None]:
    yield
    while _OPEN:
        _OPEN.pop().close()


def _open(
    settings: DelightedSettings, sleeps: Sleeps, transport: httpx.BaseTransport | None = None
) -> DelightedSource:
    source = DelightedSource("delighted", settings, transport=transport, sleep=sleeps)
    _OPEN.append(source)
    return source


def _source(sleeps: Sleeps, **overrides: Any) -> DelightedSource:
    return _open(_settings(**overrides), sleeps)


def _record(response_id: str = "1", **fields: object) -> dict[str, object]:
    record: dict[str, object] = {
        "id": response_id,
        "person": {
            "id": "51902",
            "email": " Dana.Kowalski@Example.org ",
            "name": "Dana Kowalski",
            "created_at": T0_UNIX,
            "phone_number": None,
        },
        "survey_type": "nps",
        "score": 6,
        "comment": "Onboarding took longer than promised.",
        "permalink": "https://app.delighted.com/r/EXAMPLE",
        "created_at": T0_UNIX,
        "updated_at": None,
        "person_properties": {"customer_id": "C-10442", "plan": "Pro"},
        "notes": [],
        "tags": [],
        "additional_answers": [],
    }
    return record | fields


def _ok(items: list[Any]) -> httpx.Response:
    # Escaped as JSON on the wire allows: "\ud800" is legal JSON text, not encodable UTF-8.
    body = json.dumps(items).encode()
    return httpx.Response(200, content=body, headers={"Content-Type": "application/json"})


def _pages(source: DelightedSource, since: datetime = T0, until: datetime = T0) -> list[SourcePage]:
    return list(source.fetch(since, until))


def _responses(pages: list[SourcePage]) -> list[SurveyResponse]:
    return [response for page in pages for response in page.responses]


def _rejected(pages: list[SourcePage]) -> list[Rejected]:
    return [rejected for page in pages for rejected in page.rejected]


def _params(call: Any) -> dict[str, list[str]]:
    request: httpx.Request = call.request
    return {key: request.url.params.get_list(key) for key in request.url.params}


# -- requests ---------------------------------------------------------------------------------


def test_implements_the_survey_source_protocol(sleeps: Sleeps) -> None:
    source: SurveySource = _source(sleeps, max_window_days=2.5)
    assert source.name == "delighted"
    assert source.max_window == timedelta(days=2.5)


def test_both_passes_with_inclusive_second_boundaries(
    router: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = router.get(LIST_URL).mock(return_value=_ok([]))
    since = T0 + timedelta(microseconds=700_000)
    until = T0 + timedelta(hours=1, microseconds=200_000)
    assert _responses(_pages(_source(sleeps), since, until)) == []
    common = {"per_page": ["100"], "page": ["1"], "expand[]": ["person"]}
    created = {"since": [str(T0_UNIX)], "until": [str(T0_UNIX + 3600)], "order": ["asc"]}
    updated = {
        "updated_since": [str(T0_UNIX)],
        "updated_until": [str(T0_UNIX + 3600)],
        "order": ["asc:updated_at"],
    }
    assert [_params(call) for call in route.calls] == [created | common, updated | common]


def test_sends_basic_auth_and_accept_json(router: respx.MockRouter, sleeps: Sleeps) -> None:
    route = router.get(LIST_URL).mock(return_value=_ok([]))
    _pages(_source(sleeps))
    request: httpx.Request = route.calls[0].request
    token = base64.b64encode(f"{KEY}:".encode()).decode()
    assert request.headers["Authorization"] == f"Basic {token}"
    assert request.headers["Accept"] == "application/json"


def _listings(
    created: list[list[Any]], updated: list[list[Any]] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    """Answer the created and the updated listing each from its own queue of pages."""
    queues = {"created": list(created), "updated": list(updated or [[]])}

    def answer(request: httpx.Request) -> httpx.Response:
        queue = queues["updated" if "updated_since" in request.url.params else "created"]
        return _ok(queue.pop(0) if queue else [])

    return answer


def test_paging_stops_on_a_short_page(router: respx.MockRouter, sleeps: Sleeps) -> None:
    first = [_record("1", created_at=T0_UNIX), _record("2", created_at=T0_UNIX + 5)]
    route = router.get(LIST_URL).mock(
        side_effect=_listings([first, [_record("3", created_at=T0_UNIX + 9)]])
    )
    pages = _pages(_source(sleeps, page_size=2), T0, T0 + timedelta(minutes=1))
    assert [r.response_id for r in _responses(pages)] == ["1", "2", "3"]
    assert route.call_count == 3
    # The listings advance in step, the one further behind first.
    assert "updated_since" in _params(route.calls[1])
    # Keyset paging: the next page re-queries from the last item's second, page 1.
    third = _params(route.calls[2])
    assert (third["since"], third["page"]) == ([str(T0_UNIX + 5)], ["1"])


def test_pages_say_how_far_both_listings_are_complete(
    router: respx.MockRouter, sleeps: Sleeps
) -> None:
    first = [_record("1", created_at=T0_UNIX), _record("2", created_at=T0_UNIX + 5)]
    router.get(LIST_URL).mock(side_effect=_listings([first, []]))
    until = T0 + timedelta(minutes=1)
    pages = _pages(_source(sleeps, page_size=2), T0, until)
    # Created is read up to T0+4 (T0+5 may continue); updated has nothing: complete to T0+4.
    assert [page.through for page in pages] == [
        T0 - timedelta(seconds=1),
        T0 + timedelta(seconds=4),
        until,
    ]


def test_a_repeated_page_ends_the_listing_without_claiming_it_complete(
    router: respx.MockRouter, sleeps: Sleeps
) -> None:
    same = [_record("1", created_at=T0_UNIX), _record("2", created_at=T0_UNIX + 5)]
    route = router.get(LIST_URL).mock(side_effect=_listings([same] * 50))
    until = T0 + timedelta(minutes=1)
    pages = _pages(_source(sleeps, page_size=2), T0, until)
    assert route.call_count == 3  # created twice (the repeat ends it), updated once
    assert pages[-1].through is not None and pages[-1].through < until


def test_a_full_page_within_one_second_steps_the_page_number(
    router: respx.MockRouter, sleeps: Sleeps
) -> None:
    same_second = [_record(str(i), created_at=T0_UNIX) for i in range(2)]
    route = router.get(LIST_URL).mock(side_effect=_listings([same_second]))
    _pages(_source(sleeps, page_size=2))
    created = [_params(call) for call in route.calls if "since" in _params(call)]
    assert (created[1]["since"], created[1]["page"]) == ([str(T0_UNIX)], ["2"])


def test_a_full_page_of_one_later_second_continues_on_its_page_two(
    router: respx.MockRouter, sleeps: Sleeps
) -> None:
    later = [_record(str(i), created_at=T0_UNIX + 9) for i in range(2)]
    route = router.get(LIST_URL).mock(side_effect=_listings([later]))
    _pages(_source(sleeps, page_size=2), T0, T0 + timedelta(minutes=1))
    created = [_params(call) for call in route.calls if "since" in _params(call)]
    assert (created[1]["since"], created[1]["page"]) == ([str(T0_UNIX + 9)], ["2"])


def test_a_page_out_of_order_falls_back_to_page_numbers(
    router: respx.MockRouter, sleeps: Sleeps
) -> None:
    unordered = [_record("1", created_at=T0_UNIX + 9), _record("2", created_at=T0_UNIX + 1)]
    route = router.get(LIST_URL).mock(side_effect=_listings([unordered]))
    _pages(_source(sleeps, page_size=2), T0, T0 + timedelta(minutes=1))
    created = [_params(call) for call in route.calls if "since" in _params(call)]
    assert (created[1]["since"], created[1]["page"]) == ([str(T0_UNIX)], ["2"])


def test_window_must_be_aware_and_ordered(sleeps: Sleeps) -> None:
    source = _source(sleeps)
    with pytest.raises(ValueError, match="timezone-aware"):
        next(source.fetch(datetime(2024, 6, 1), T0))
    with pytest.raises(ValueError, match="empty window"):
        next(source.fetch(T0, T0 - timedelta(seconds=1)))


# -- errors -----------------------------------------------------------------------------------


def test_429_is_retried_after_the_vendors_delay(router: respx.MockRouter, sleeps: Sleeps) -> None:
    limited = httpx.Response(429, headers={"Retry-After": "7"}, json={"status": 429})
    route = router.get(LIST_URL).mock(side_effect=[limited, _ok([_record()]), _ok([])])
    assert len(_responses(_pages(_source(sleeps)))) == 1
    assert sleeps == [7.0]
    assert route.call_count == 3


def test_429_asking_for_a_long_wait_is_left_to_the_scheduler(
    router: respx.MockRouter, sleeps: Sleeps
) -> None:
    route = router.get(LIST_URL).mock(
        return_value=httpx.Response(429, headers={"Retry-After": "3600"})
    )
    with pytest.raises(SourceUnavailable) as caught:
        _pages(_source(sleeps))
    assert caught.value.retry_after == 3600.0
    assert (route.call_count, sleeps) == (1, [])


def test_persistent_429_gives_up_with_retry_after(router: respx.MockRouter, sleeps: Sleeps) -> None:
    router.get(LIST_URL).mock(return_value=httpx.Response(429, headers={"Retry-After": "2"}))
    with pytest.raises(SourceUnavailable) as caught:
        _pages(_source(sleeps, max_retries=3))
    assert caught.value.retry_after == 2.0
    assert sleeps == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("unreadable", ["inf", "nan", "-5", "soon"])
def test_an_unreadable_retry_after_falls_back_to_the_shared_backoff(
    router: respx.MockRouter, sleeps: Sleeps, unreadable: str
) -> None:
    # "inf" once made the client give up with an endless wait for the scheduler to compute on.
    failed = httpx.Response(503, headers={"Retry-After": unreadable})
    router.get(LIST_URL).mock(side_effect=[failed, _ok([]), _ok([])])
    assert [page.responses for page in _pages(_source(sleeps))] == [(), ()]
    assert sleeps == [1.0]


def test_a_retry_after_date_in_the_zone_minus_0000_is_honoured(
    router: respx.MockRouter, sleeps: Sleeps
) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30)).replace("+0000", "-0000")
    limited = httpx.Response(429, headers={"Retry-After": when})
    router.get(LIST_URL).mock(side_effect=[limited, _ok([]), _ok([])])
    _pages(_source(sleeps))
    [wait] = sleeps
    assert 20.0 < wait <= 30.0


def test_persistent_500_becomes_source_unavailable(
    router: respx.MockRouter, sleeps: Sleeps
) -> None:
    body = {"status": 500, "message": "Internal Server Error"}
    route = router.get(LIST_URL).mock(return_value=httpx.Response(500, json=body))
    with pytest.raises(SourceUnavailable, match=r"500 Internal Server Error"):
        _pages(_source(sleeps, max_retries=2))
    assert route.call_count == 3
    assert len(sleeps) == 2


@pytest.mark.parametrize(
    "failure",
    [httpx.ReadTimeout("slow"), httpx.ConnectError("refused")],
    ids=["timeout", "connect-error"],
)
def test_network_failures_are_retried_then_unavailable(
    router: respx.MockRouter, sleeps: Sleeps, failure: Exception
) -> None:
    route = router.get(LIST_URL).mock(side_effect=failure)
    with pytest.raises(SourceUnavailable):
        _pages(_source(sleeps, max_retries=1))
    assert route.call_count == 2


def test_a_transient_503_then_success(router: respx.MockRouter, sleeps: Sleeps) -> None:
    router.get(LIST_URL).mock(side_effect=[httpx.Response(503), _ok([]), _ok([])])
    assert [page.responses for page in _pages(_source(sleeps))] == [(), ()]
    assert len(sleeps) == 1


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failures_are_not_retried_and_hide_the_key(
    router: respx.MockRouter, sleeps: Sleeps, status: int
) -> None:
    body = {"status": status, "message": f"Invalid API key {KEY}"}  # even if echoed back
    route = router.get(LIST_URL).mock(return_value=httpx.Response(status, json=body))
    with pytest.raises(SourceAuthError) as caught:
        _pages(_source(sleeps))
    assert str(status) in str(caught.value)
    assert KEY not in str(caught.value)
    assert route.call_count == 1


def test_422_is_rejected_with_the_vendors_message(router: respx.MockRouter, sleeps: Sleeps) -> None:
    body = {"status": 422, "message": "per_page must be at most 100", "errors": {}}
    router.get(LIST_URL).mock(return_value=httpx.Response(422, json=body))
    with pytest.raises(SourceRejected, match="per_page must be at most 100"):
        _pages(_source(sleeps))


@pytest.mark.parametrize(
    ("response", "message"),
    [
        (httpx.Response(200, text="<html>maintenance</html>"), "not JSON"),
        (httpx.Response(200, json={"data": []}), "JSON dict, not a list"),
    ],
    ids=["html", "object"],
)
def test_unexpected_bodies_are_unavailable(
    router: respx.MockRouter, sleeps: Sleeps, response: httpx.Response, message: str
) -> None:
    router.get(LIST_URL).mock(return_value=response)
    with pytest.raises(SourceUnavailable, match=message):
        _pages(_source(sleeps, max_retries=0))


# -- parsing ----------------------------------------------------------------------------------


def _parse(router: respx.MockRouter, sleeps: Sleeps, items: list[object]) -> list[SourcePage]:
    router.get(LIST_URL).mock(side_effect=[_ok(items), _ok([])])
    return _pages(_source(sleeps))


def test_normalises_a_record(router: respx.MockRouter, sleeps: Sleeps) -> None:
    record = _record("88214", created_at=T0_UNIX, updated_at=T0_UNIX + 584)
    record["person_properties"] = {"customer_id": "C-10442", "seats": 12, "trial": False}
    [response] = _responses(_parse(router, sleeps, [record]))
    assert response == SurveyResponse(
        source="delighted",
        response_id="88214",
        version=T0_UNIX + 584,
        score=6,
        submitted_at=T0,
        updated_at=T0 + timedelta(seconds=584),
        email="dana.kowalski@example.org",
        external_id="C-10442",
        person_id="51902",
        comment="Onboarding took longer than promised.",
        survey="nps",
        link="https://app.delighted.com/r/EXAMPLE",
        properties={"customer_id": "C-10442", "seats": "12", "trial": "false"},
    )


def test_null_updated_at_means_the_created_version(
    router: respx.MockRouter, sleeps: Sleeps
) -> None:
    [response] = _responses(_parse(router, sleeps, [_record(updated_at=None, comment="")]))
    assert (response.version, response.updated_at, response.comment) == (T0_UNIX, T0, None)


def test_numeric_ids_and_unexpanded_person_with_customer_id(
    router: respx.MockRouter, sleeps: Sleeps
) -> None:
    [response] = _responses(_parse(router, sleeps, [_record(id=88214, person="51902")]))
    assert (response.response_id, response.email, response.external_id) == (
        "88214",
        None,
        "C-10442",
    )


def test_other_survey_types_are_skipped_and_counted(
    router: respx.MockRouter, sleeps: Sleeps
) -> None:
    items: list[object] = [
        _record("1", survey_type="ces", score=50),
        _record("2", survey_type="csat"),
        _record("3"),
    ]
    pages = _parse(router, sleeps, items)
    assert [r.response_id for r in _responses(pages)] == ["3"]
    assert (_rejected(pages), sum(page.skipped for page in pages)) == ([], 2)


def test_configured_survey_types(router: respx.MockRouter, sleeps: Sleeps) -> None:
    router.get(LIST_URL).mock(
        side_effect=[_ok([_record("1", survey_type="enps"), _record("2")]), _ok([])]
    )
    pages = _pages(_source(sleeps, survey_types=("enps",)))
    assert [(r.response_id, r.survey) for r in _responses(pages)] == [("1", "enps")]


def test_the_official_clients_record_shape_is_an_nps_answer(
    router: respx.MockRouter, sleeps: Sleeps
) -> None:
    # As the official client's tests create and list them: person as a bare id, no survey_type.
    record = {"id": "9031", "person": "51902", "score": 9, "comment": None}
    record |= {"created_at": T0_UNIX, "notes": []}
    pages = _parse(router, sleeps, [record])
    [response] = _responses(pages)
    assert (response.person_id, response.email, response.survey) == ("51902", None, "nps")
    assert _rejected(pages) == []


@pytest.mark.parametrize("survey_type", ["NPS", "nps ", " Nps", None, ""])
def test_survey_types_compare_loosely_and_default_to_nps(
    router: respx.MockRouter, sleeps: Sleeps, survey_type: str | None
) -> None:
    [response] = _responses(_parse(router, sleeps, [_record(survey_type=survey_type)]))
    assert response.survey == "nps"


@pytest.mark.parametrize(
    ("comment", "kept"),
    [(5, "5"), (7.5, "7.5"), ({"text": "hi"}, None), (["a"], None), (True, None), ("  ", None)],
)
def test_an_odd_comment_never_costs_the_answer(
    router: respx.MockRouter, sleeps: Sleeps, comment: object, kept: str | None
) -> None:
    [response] = _responses(_parse(router, sleeps, [_record(comment=comment)]))
    assert response.comment == kept


def test_free_text_is_cleaned_not_rejected(router: respx.MockRouter, sleeps: Sleeps) -> None:
    record = _record(comment="great\ud800 product\x00", person_properties={"plan": "P\udfff"})
    [response] = _responses(_parse(router, sleeps, [record]))
    assert (response.comment, response.properties) == ("great\ufffd product", {"plan": "P\ufffd"})


def test_skipped_items_are_counted(router: respx.MockRouter, sleeps: Sleeps) -> None:
    items: list[object] = [_record("1", survey_type="CES", score=50), _record("2")]
    pages = _parse(router, sleeps, items)
    assert sum(page.skipped for page in pages) == 1


@pytest.mark.parametrize(
    "email",
    ["dana@example.org", "d.k+nps@mail.example.co.uk", "o'neil@xn--bcher-kva.example"],
)
def test_real_addresses_are_kept(router: respx.MockRouter, sleeps: Sleeps, email: str) -> None:
    [response] = _responses(_parse(router, sleeps, [_record(person={"email": email})]))
    assert response.email == email


@pytest.mark.parametrize(
    "email",
    [
        "@",
        "a@",
        "@b.example",
        "a b@c.example",
        "a@b",
        "a@-b.example",
        "a@b..example",
        ".a@b.example",
        "a@b.123",
        "a\n@b.example",
        "a@b_c.example",
    ],
)
def test_text_with_an_at_sign_is_not_an_address(
    router: respx.MockRouter, sleeps: Sleeps, email: str
) -> None:
    [response] = _responses(_parse(router, sleeps, [_record(person={"id": "5", "email": email})]))
    assert (response.email, response.person_id) == (None, "5")


_NO_RESPONDENT = "no email, no person id and no customer_id or external_id"
_FUTURE = T0_UNIX + 10 * 365 * 86400

MALFORMED: list[tuple[str, dict[str, object], str]] = [
    ("score-high", {"score": 14}, "score 14 is outside 0-10"),
    ("score-negative", {"score": -1}, "score -1 is outside 0-10"),
    ("score-null", {"score": None}, "score is missing"),
    ("score-text", {"score": "7"}, "score '7' is not an integer"),
    ("score-float", {"score": 7.5}, "score 7.5 is not an integer"),
    ("score-bool", {"score": True}, "score True is not an integer"),
    ("score-long", {"score": "9" * 99}, f"score '{'9' * 56}... is not an integer"),
    ("no-respondent", {"person": None, "person_properties": {}}, _NO_RESPONDENT),
    (
        "blank-email",
        {"person": {"email": "  ", "id": " "}, "person_properties": {"plan": "x"}},
        _NO_RESPONDENT,
    ),
    (
        "bad-email",
        {"person": {"email": "n/a"}, "person_properties": {"customer_id": " "}},
        "email 'n/a' is not an address, no person id and no customer_id or external_id",
    ),
    (
        "email-two-ats",
        {"person": {"email": "a@b@c.example"}, "person_properties": {}},
        "email 'a@b@c.example' is not an address, no person id and no customer_id or external_id",
    ),
    (
        "email-surrogate",
        {"person": {"email": "dana\ud800@example.org"}},
        "person.email 'dana\\ud800@example.org' holds broken Unicode or a NUL byte",
    ),
    (
        "email-nul",
        {"person": {"email": "dana\x00@example.org"}},
        "person.email 'dana\\x00@example.org' holds broken Unicode or a NUL byte",
    ),
    ("email-number", {"person": {"email": 42}}, "person.email 42 is not text"),
    ("person-list", {"person": ["x"]}, "person ['x'] is neither an object nor an id"),
    ("created-text", {"created_at": "yesterday"}, "created_at 'yesterday' is not a Unix timestamp"),
    ("created-null", {"created_at": None}, "created_at None is not a Unix timestamp"),
    ("created-huge", {"created_at": 10**20}, f"created_at {10**20} is not a Unix timestamp"),
    ("updated-text", {"updated_at": "soon"}, "updated_at 'soon' is not a Unix timestamp"),
    ("id-object", {"id": {"a": 1}}, "id {'a': 1} is not a usable id (expected text or a number)"),
    ("id-empty", {"id": ""}, "id '' is blank"),
    ("id-blank", {"id": "   "}, "id '   ' is blank"),
    ("id-surrogate", {"id": "\ud800"}, "id '\\ud800' holds control characters or broken Unicode"),
    ("id-nul", {"id": "7\x007"}, "id '7\\x007' holds control characters or broken Unicode"),
    ("id-long", {"id": "7" * 201}, f"id '{'7' * 56}... is longer than 200 characters"),
    (
        "created-future",
        {"created_at": _FUTURE},
        f"created_at {_FUTURE} (2034-05-30 00:00) is in the future",
    ),
    (
        "updated-future",
        {"updated_at": _FUTURE},
        f"updated_at {_FUTURE} (2034-05-30 00:00) is in the future",
    ),
    ("created-1970", {"created_at": 86400}, "created_at 86400 (1970-01-02) is before 2000"),
    ("survey-type-number", {"survey_type": 1}, "survey_type 1 is not text"),
    (
        "two-problems",
        {"score": 11, "created_at": "x"},
        "score 11 is outside 0-10; created_at 'x' is not a Unix timestamp",
    ),
]


@pytest.mark.parametrize(
    ("fields", "reason"),
    [(fields, reason) for _, fields, reason in MALFORMED],
    ids=[case for case, _, _ in MALFORMED],
)
def test_malformed_records_are_rejected_with_a_reason(
    router: respx.MockRouter, sleeps: Sleeps, fields: dict[str, object], reason: str
) -> None:
    record = _record("77", **fields)
    pages = _parse(router, sleeps, [record, _record("78")])
    [rejected] = _rejected(pages)
    assert rejected.reason == reason
    assert (rejected.source, json.loads(rejected.payload)) == ("delighted", record)
    expected_id = "77" if "id" not in fields else None
    assert rejected.response_id == expected_id
    assert [r.response_id for r in _responses(pages)] == ["78"]


@pytest.mark.parametrize("field", ["id", "score", "created_at"])
def test_missing_fields_are_rejected(router: respx.MockRouter, sleeps: Sleeps, field: str) -> None:
    record = _record("77")
    del record[field]
    [rejected] = _rejected(_parse(router, sleeps, [record]))
    assert rejected.reason == f"{field} is missing"


@pytest.mark.parametrize(
    ("item", "reason"),
    [([1, 2], "array"), ("88214", "string"), (None, "null"), (7, "number")],
)
def test_non_object_items_are_rejected(
    router: respx.MockRouter, sleeps: Sleeps, item: object, reason: str
) -> None:
    [rejected] = _rejected(_parse(router, sleeps, [item]))
    assert rejected.reason == f"item is a JSON {reason}, not an object"
    assert (rejected.response_id, rejected.payload) == (None, json.dumps(item))


# -- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {"page_size": 101},
        {"page_size": 0},
        {"survey_types": ()},
        {"base_url": "api.delighted.com"},
        {"api_key": ""},
        {"requests_per_second": 0},
        {"unknown": 1},
    ],
)
def test_settings_validation(overrides: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError):
        _settings(**overrides)


def test_settings_defaults_and_secret() -> None:
    settings = DelightedSettings(api_key=pydantic.SecretStr(KEY))
    assert (settings.base_url, settings.page_size, settings.survey_types) == (
        "https://api.delighted.com/v1",
        100,
        ("nps",),
    )
    assert KEY not in repr(settings)


# -- against the fake -------------------------------------------------------------------------


class _Switch:
    """Routes to the current test's fake, so one loopback server serves the whole module."""

    def __init__(self) -> None:
        self.app: Handler = lambda request: Response(503)

    def __call__(self, request: Request) -> Response:
        return self.app(request)


@pytest.fixture(scope="module")
def shared() -> Iterator[tuple[_Switch, LoopbackServer]]:
    switch = _Switch()
    with LoopbackServer(switch) as server:
        yield switch, server


@pytest.fixture
def fake(shared: tuple[_Switch, LoopbackServer]) -> DelightedFake:
    fake = DelightedFake(KEY, clock=lambda: T0 + timedelta(days=30))
    shared[0].app = fake
    return fake


@pytest.fixture
def live_settings(shared: tuple[_Switch, LoopbackServer]) -> DelightedSettings:
    return _settings(base_url=f"{shared[1].base_url}/v1", page_size=20)


def _versions(pages: list[SourcePage]) -> dict[str, int]:
    versions: dict[str, int] = {}
    for response in _responses(pages):
        seen = versions.get(response.response_id, 0)
        versions[response.response_id] = max(response.version, seen)
    return versions


def _expected(fake: DelightedFake, start: int, end: int) -> dict[str, int]:
    expected: dict[str, int] = {}
    for record in fake.responses():
        created, updated = record["created_at"], record["updated_at"]
        if start <= created <= end or (updated is not None and start <= updated <= end):
            expected[record["id"]] = max(created, updated or created)
    return expected


def _seed_days(fake: DelightedFake) -> None:
    """250 responses over five days; every seventh gets its comment up to two days later."""
    for i in range(250):
        created = T0 + timedelta(minutes=29 * i)
        response_id = fake.add_response(
            email=f"respondent{i}@example.org", score=i % 11, created_at=created
        )
        if i % 7 == 0:
            fake.update_response(response_id, comment="later", at=created + timedelta(hours=i % 48))


def test_fetch_from_the_fake_is_complete(
    fake: DelightedFake, live_settings: DelightedSettings, sleeps: Sleeps
) -> None:
    _seed_days(fake)
    since, until = T0 + timedelta(days=2), T0 + timedelta(days=3)
    early = fake.add_response(email="early@example.org", score=2, created_at=T0)
    fake.update_response(early, comment="answered later", at=since + timedelta(hours=5))
    pages = list(_open(live_settings, sleeps).fetch(since, until))
    expected = _expected(fake, T0_UNIX + 2 * 86400, T0_UNIX + 3 * 86400)
    assert len(expected) > 50
    assert _versions(pages) == expected
    assert early in expected
    assert _rejected(pages) == []


def test_a_trickled_answer_ends_at_the_request_deadline(
    fake: DelightedFake, live_settings: DelightedSettings, sleeps: Sleeps
) -> None:
    fake.add_response(email="a@example.org", score=9, created_at=T0)
    fake.misbehave(Fault.TRICKLE, trickle_seconds=0.05)  # the page would take half a minute
    settings = live_settings.model_copy(update={"request_deadline_seconds": 0.5, "max_retries": 0})
    with pytest.raises(SourceUnavailable, match=r"whole answer within 0.5s"):
        list(_open(settings, sleeps).fetch(T0, T0))
