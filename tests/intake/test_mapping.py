"""A field mapping over hostile records: every record is an answer or a reasoned rejection."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from syncd.intake.mapping import FieldMapping, map_record, value_at
from syncd.model import Rejected, SurveyResponse

NOW = datetime(2026, 12, 1, tzinfo=UTC)
MAPPING = FieldMapping()


def _record(**changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "response_id": "r1",
        "score": "7",
        "submitted_at": "2026-11-30 09:15:00",
        "email": "Ann@Example.org ",
        "comment": "ok",
    }
    record.update(changes)
    return record


def _reason(record: object, mapping: FieldMapping = MAPPING) -> str:
    outcome = map_record("csv", record, mapping, NOW, where="row 3: ")
    assert isinstance(outcome, Rejected), outcome
    return outcome.reason


def test_paths_exact_keys_first_then_dotted() -> None:
    record = {"a.b": 1, "a": {"b": 2, "c": [{"d": 3}]}}
    assert value_at(record, "a.b") == 1
    assert value_at(record, "a.c.0.d") == 3
    assert value_at(record, "a.c.5.d") is None and value_at(record, "a.b.x") is None


def test_a_flat_record_with_the_default_columns() -> None:
    outcome = map_record("csv", _record(), MAPPING, NOW)
    assert isinstance(outcome, SurveyResponse)
    assert (outcome.score, outcome.email, outcome.comment) == (7, "ann@example.org", "ok")
    assert outcome.submitted_at == datetime(2026, 11, 30, 9, 15, tzinfo=UTC)  # no offset: UTC


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"score": "11"}, "score 11 is outside 0-10"),
        ({"score": "-1"}, "'-1' is not a whole number"),
        ({"score": 7.5}, "7.5 is not a whole number"),
        ({"score": True}, "True is not a whole number"),
        ({"score": None}, "score (the score) is missing"),
        ({"score": "NaN"}, "'NaN' is not a whole number"),
        ({"response_id": " "}, "response_id ' ' is blank"),
        ({"response_id": "a\x00b"}, "control characters"),
        ({"response_id": "x" * 201}, "longer than 200"),
        ({"response_id": ["a"]}, "not a usable id"),
        ({"submitted_at": "yesterday"}, "neither an ISO 8601 time nor Unix seconds"),
        ({"submitted_at": "1999-12-31T23:00:00Z"}, "before 2000"),
        ({"submitted_at": "2027-06-01T00:00:00Z"}, "in the future"),
        ({"submitted_at": 10**30}, "neither an ISO"),
        ({"submitted_at": ""}, "is missing"),
        ({"email": "not-an-address"}, "no usable email and no external id"),
    ],
)
def test_hostile_values_are_rejected_with_a_reason(changes: dict[str, Any], reason: str) -> None:
    text = _reason(_record(**changes))
    assert text.startswith("row 3: ") and reason in text


def test_numbers_as_text_and_times_as_unix_seconds_or_milliseconds() -> None:
    seconds = int(datetime(2026, 11, 30, tzinfo=UTC).timestamp())
    for stamp in (seconds, str(seconds), seconds * 1000, f"{seconds}.250"):
        outcome = map_record("csv", _record(submitted_at=stamp, score="10.0"), MAPPING, NOW)
        assert isinstance(outcome, SurveyResponse) and outcome.score == 10
        assert outcome.submitted_at.date() == datetime(2026, 11, 30).date()


def test_an_external_id_alone_finds_the_contact_and_text_is_cleaned() -> None:
    outcome = map_record(
        "csv", _record(email="", external_id=4711, comment="bad \ud800 \x00text"), MAPPING, NOW
    )
    assert isinstance(outcome, SurveyResponse)
    assert (outcome.email, outcome.external_id, outcome.comment) == (
        None,
        "4711",
        "bad \ufffd text",
    )


def test_updated_at_is_the_version_and_never_before_submitted() -> None:
    early = map_record("csv", _record(updated_at="2026-11-01T00:00:00Z"), MAPPING, NOW)
    later = map_record("csv", _record(updated_at="2026-11-30T10:00:00Z"), MAPPING, NOW)
    assert isinstance(early, SurveyResponse) and isinstance(later, SurveyResponse)
    assert early.updated_at == early.submitted_at
    assert later.version > early.version


def test_properties_are_copied_as_text() -> None:
    mapping = FieldMapping(properties=("plan", "seats", "missing"))
    outcome = map_record("csv", _record(plan="Pro", seats=12), mapping, NOW)
    assert isinstance(outcome, SurveyResponse)
    assert outcome.properties == {"plan": "Pro", "seats": "12"}


def test_overrides_for_columns() -> None:
    mapping = MAPPING.with_columns({"score": "NPS", "response_id": "Response ID"})
    assert (mapping.score, mapping.response_id, mapping.email) == ("NPS", "Response ID", "email")
    with pytest.raises(ValueError, match="colour"):
        MAPPING.with_columns({"colour": "x"})


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda c: st.lists(c) | st.dictionaries(st.text(), c),
        max_leaves=20,
    )
)
def test_any_json_value_never_raises(record: object) -> None:
    outcome = map_record("csv", record, MAPPING, NOW)
    assert isinstance(outcome, SurveyResponse | Rejected)
    if isinstance(outcome, Rejected):
        outcome.payload.encode("ascii")


@given(
    st.dictionaries(
        st.sampled_from(["response_id", "score", "submitted_at", "email", "comment", "updated_at"]),
        st.none() | st.integers() | st.floats() | st.text() | st.booleans(),
    )
)
def test_any_flat_record_never_raises(changes: dict[str, object]) -> None:
    assert isinstance(
        map_record("csv", _record(**changes), MAPPING, NOW), SurveyResponse | Rejected
    )
