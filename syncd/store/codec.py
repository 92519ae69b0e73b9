"""JSON encoding of domain values kept in the store's payload columns."""

from __future__ import annotations

import json
from datetime import datetime

from syncd.model import SurveyResponse

#: What ``json.dumps(..., sort_keys=True)`` would build on every call, built once: the same text.
_ENCODER = json.JSONEncoder(sort_keys=True)


def response_to_json(response: SurveyResponse) -> str:
    """A response as the JSON the inbox and quarantine keep."""
    return _ENCODER.encode(
        {
            "source": response.source,
            "response_id": response.response_id,
            "version": response.version,
            "score": response.score,
            "submitted_at": response.submitted_at.isoformat(),
            "updated_at": response.updated_at.isoformat(),
            "email": response.email,
            "external_id": response.external_id,
            "person_id": response.person_id,
            "comment": response.comment,
            "survey": response.survey,
            "link": response.link,
            "properties": dict(response.properties),
        }
    )


def response_from_json(text: str) -> SurveyResponse:
    """A response back from its stored JSON."""
    data = json.loads(text)
    return SurveyResponse(
        source=data["source"],
        response_id=data["response_id"],
        version=int(data["version"]),
        score=int(data["score"]),
        submitted_at=datetime.fromisoformat(data["submitted_at"]),
        updated_at=datetime.fromisoformat(data["updated_at"]),
        email=data["email"],
        external_id=data["external_id"],
        person_id=data.get("person_id"),  # absent in rows written before it existed
        comment=data["comment"],
        survey=data["survey"],
        link=data["link"],
        properties=data["properties"],
    )
