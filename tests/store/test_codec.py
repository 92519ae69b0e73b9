"""The inbox's response codec: the stored text is stable, and it decodes back to the response."""

from __future__ import annotations

from datetime import UTC, datetime

from syncd.model import SurveyResponse
from syncd.store.codec import response_from_json, response_to_json

AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)
RESPONSE = SurveyResponse(
    source="delighted",
    response_id="r1",
    version=3,
    score=9,
    submitted_at=AT,
    updated_at=AT,
    email="ann@x.example",
    comment='Très "bon"',
    properties={"plan": "pro", "age": "4"},
)


def test_the_stored_text_is_the_one_earlier_releases_wrote() -> None:
    # Sorted keys (nested too), default separators, non-ASCII escaped: rows already stored and
    # rows written now are the same text for the same answer.
    assert response_to_json(RESPONSE) == (
        '{"comment": "Tr\\u00e8s \\"bon\\"", "email": "ann@x.example", "external_id": null, '
        '"link": null, "person_id": null, "properties": {"age": "4", "plan": "pro"}, '
        '"response_id": "r1", "score": 9, "source": "delighted", '
        '"submitted_at": "2026-11-02T09:30:00+00:00", "survey": null, '
        '"updated_at": "2026-11-02T09:30:00+00:00", "version": 3}'
    )


def test_a_response_decodes_to_itself() -> None:
    assert response_from_json(response_to_json(RESPONSE)) == RESPONSE
