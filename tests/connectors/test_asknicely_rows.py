"""Hostile AskNicely rows: each is a response or a rejection naming its field, never a crash."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import respx

from connectors.sources.asknicely.parse import RowReader
from syncd.model import Rejected, SurveyResponse
from tests.connectors.asknicely_kit import NOW, T0, Kit, kit

__all__ = ["kit"]
READER = RowReader("asknicely", ("nps",), "customer_id_c")


def _row(**fields: object) -> dict[str, object]:
    row: dict[str, object] = {
        "response_id": "730551",
        "contact_id": "410288",
        "email": "priya@example.com",
        "answer": "9",
        "comment": "",
        "responded": str(int(T0.timestamp())),
        "question_type": "nps",
    }
    return row | fields


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"answer": "14"}, "answer '14' is outside 0-10"),
        ({"answer": "ten"}, "answer 'ten' is not a whole number"),
        ({"answer": ""}, "answer is missing"),
        ({"answer": None}, "answer is missing"),
        ({"answer": True}, "answer True is not a number"),
        ({"answer": [9]}, "answer [9] is not a whole number"),
        ({"answer": "9.5"}, "is not a whole number"),
        ({"response_id": "   "}, "response_id '   ' is blank"),
        ({"response_id": None}, "response_id None is not a usable id"),
        ({"response_id": "x" * 5000}, "longer than 200"),
        ({"response_id": "73\x00551"}, "control characters"),
        ({"responded": "abc"}, "responded 'abc' is not a Unix timestamp"),
        ({"responded": str(int((NOW + timedelta(days=400)).timestamp()))}, "is in the future"),
        ({"responded": "99999999999999999999"}, "is not a Unix timestamp"),
        ({"responded": "0"}, "is before 2000"),
        ({"email": "not-an-address", "contact_id": ""}, "no contact_id"),
        ({"question_type": 7}, "question_type 7 is not text"),
    ],
)
def test_broken_fields_are_rejected_with_a_reason(fields: dict[str, object], reason: str) -> None:
    outcome = READER.read(_row(**fields), NOW)
    assert isinstance(outcome, Rejected)
    assert reason in outcome.reason
    json.loads(outcome.payload)  # the quarantine can always store and show it


@pytest.mark.parametrize("item", [None, 7, "row", ["730551"], True])
def test_rows_that_are_not_objects_are_rejected(item: object) -> None:
    outcome = READER.read(item, NOW)
    assert isinstance(outcome, Rejected) and "not an object" in outcome.reason


def test_huge_and_odd_free_text_is_kept_cleaned_not_rejected() -> None:
    comment = "Lovely \ud800 team\x00! " + "x" * 100_000
    outcome = READER.read(_row(comment=comment, segment=["odd"], huge_c="y" * 10_000), NOW)
    assert isinstance(outcome, SurveyResponse)
    assert outcome.comment is not None and outcome.comment.startswith("Lovely \ufffd team!")
    assert "segment" not in outcome.properties
    assert len(outcome.properties["huge_c"]) == 2000


def test_an_unusable_email_still_finds_the_contact_by_id() -> None:
    outcome = READER.read(_row(email="not an address", customer_id_c="C-1"), NOW)
    assert isinstance(outcome, SurveyResponse)
    assert (outcome.email, outcome.external_id, outcome.person_id) == (None, "C-1", "410288")


def test_numbers_as_json_numbers_are_read_too() -> None:
    outcome = READER.read(_row(answer=7, responded=int(T0.timestamp()), response_id=730551), NOW)
    assert isinstance(outcome, SurveyResponse)
    assert (outcome.score, outcome.response_id, outcome.submitted_at) == (7, "730551", T0)


def test_a_page_of_hostile_rows_costs_only_those_rows(kit: Kit) -> None:
    good = kit.fake.add_response(email="good@example.org", score=10, created_at=T0)
    kit.fake.add_response(email="bad@example.org", score="ten", created_at=T0)
    kit.fake.add_response(
        email="b2@example.org", score=3, created_at=T0, overrides={"response_id": ""}
    )
    [page] = list(kit.source().fetch(T0, T0 + timedelta(days=1)))
    assert [r.response_id for r in page.responses] == [good]
    assert len(page.rejected) == 2


def test_a_page_with_data_that_is_not_a_list_reads_as_empty(kit: Kit) -> None:
    with respx.mock() as router:
        router.get(url__regex=r"https://an\.test/.*").respond(
            200, json={"success": True, "totalpages": "one", "data": {"0": {}}}
        )
        pages = list(kit.source(base_url="https://an.test/api/v1").fetch(T0, T0))
    assert pages[0].responses == () and pages[0].through == T0


def test_submitted_time_is_utc() -> None:
    outcome = READER.read(_row(responded="1717202160"), NOW)
    assert isinstance(outcome, SurveyResponse)
    assert outcome.submitted_at == datetime(2024, 6, 1, 0, 36, tzinfo=UTC)


def test_a_row_from_the_far_future_is_rejected_not_dropped(kit: Kit) -> None:
    kit.fake.add_response(email="f@example.org", score=9, created_at=NOW + timedelta(days=400))
    with respx.mock() as router:
        rows = [
            r | {"responded": str(int((NOW + timedelta(days=400)).timestamp()))}
            for r in kit.fake.responses()
        ]
        router.get(url__regex=r"https://an\.test/.*").respond(
            200, json={"success": True, "totalpages": "1", "data": rows}
        )
        [page] = list(
            kit.source(base_url="https://an.test/api/v1").fetch(T0, T0 + timedelta(days=1))
        )
    assert page.responses == () and "is in the future" in page.rejected[0].reason


def test_the_deprecated_person_id_stands_in_for_a_blank_contact_id() -> None:
    outcome = READER.read(_row(contact_id="", person_id="99", email=""), NOW)
    assert isinstance(outcome, SurveyResponse) and outcome.person_id == "99"
