"""Delighted survey response JSON to ``SurveyResponse`` or ``Rejected``; vendor JSON stops here.

Rejection reasons are read by an admin in the quarantine list, so each names the field and the
offending value ("score 14 is outside 0-10"), not a validator's internals.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterable
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo

from syncd.model import Rejected, SourcePage, SurveyResponse

#: ``person_properties`` keys that carry the CRM's id for the respondent, first match wins.
#: ``customer_id`` is the key Delighted's own examples use.
EXTERNAL_ID_KEYS = ("customer_id", "external_id")


def _shown(value: object) -> str:
    """``repr`` cut short: a reason must stay one readable line even for a huge value."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _id_text(value: object) -> object:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    raise ValueError(f"id {_shown(value)} is not a usable response id")


def _score(value: object) -> int:
    if value is None:
        raise ValueError("score is missing")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"score {_shown(value)} is not an integer")
    if not 0 <= value <= 10:
        raise ValueError(f"score {value} is outside 0-10")
    return value


def _timestamp(value: object, info: ValidationInfo) -> datetime | None:
    if value is None and info.field_name == "updated_at":
        return None  # never updated; the official example shows null
    seconds = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.strip().isdigit():
        seconds = int(value)
    try:
        if seconds is not None:
            return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        pass
    raise ValueError(f"{info.field_name} {_shown(value)} is not a Unix timestamp")


def _person(value: object) -> object:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    # Without expand[]=person Delighted sends only the person id.
    if isinstance(value, str | int) and not isinstance(value, bool):
        return {"id": value}
    raise ValueError(f"person {_shown(value)} is neither an object nor an id")


def _email(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"person.email {_shown(value)} is not text")
    return value.strip().lower() or None


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, bool | dict | list) else str(value)


def _properties(value: object) -> dict[str, str]:
    # Custom metadata is optional context; a malformed one must not cost us the NPS answer.
    if not isinstance(value, dict):
        return {}
    return {str(key): _text(item) for key, item in value.items() if item is not None}


def _optional_text(value: object) -> object:
    return value if isinstance(value, str) else None


class _Person(BaseModel):
    model_config = ConfigDict(extra="allow")

    email: Annotated[str | None, BeforeValidator(_email)] = None


class RawResponse(BaseModel):
    """One item of ``GET /v1/survey_responses.json`` as far as syncd relies on it."""

    model_config = ConfigDict(extra="allow")

    id: Annotated[str, BeforeValidator(_id_text)]
    survey_type: str
    score: Annotated[int, BeforeValidator(_score)]
    created_at: Annotated[datetime, BeforeValidator(_timestamp)]
    updated_at: Annotated[datetime | None, BeforeValidator(_timestamp)] = None
    person: Annotated[_Person, BeforeValidator(_person)] = _Person()
    comment: str | None = None
    permalink: Annotated[str | None, BeforeValidator(_optional_text)] = None
    person_properties: Annotated[dict[str, str], BeforeValidator(_properties)] = {}


def parse_page(source: str, items: Iterable[object], survey_types: Collection[str]) -> SourcePage:
    """Normalise one listing page; items of other survey types are dropped silently."""
    responses: list[SurveyResponse] = []
    rejected: list[Rejected] = []
    for item in items:
        outcome = parse_item(source, item, survey_types)
        if isinstance(outcome, SurveyResponse):
            responses.append(outcome)
        elif isinstance(outcome, Rejected):
            rejected.append(outcome)
    return SourcePage(tuple(responses), tuple(rejected))


def parse_item(
    source: str, item: object, survey_types: Collection[str]
) -> SurveyResponse | Rejected | None:
    """One item: a response, a rejection with an admin-readable reason, or ``None`` to skip."""
    if not isinstance(item, dict):
        return _reject(source, item, f"item is a JSON {_json_type(item)}, not an object")
    survey_type = item.get("survey_type")
    # Skip before validating: other survey types (CSAT, CES...) have other score ranges.
    if isinstance(survey_type, str) and survey_type not in survey_types:
        return None
    try:
        raw = RawResponse.model_validate(item)
    except ValidationError as exc:
        return _reject(source, item, _reason(exc))
    return _normalise(source, raw, item)


def _normalise(source: str, raw: RawResponse, item: dict[str, Any]) -> SurveyResponse | Rejected:
    email = raw.person.email if raw.person.email and "@" in raw.person.email else None
    external_id = _external_id(raw.person_properties)
    if email is None and external_id is None:
        return _reject(source, item, _no_respondent(raw.person.email))
    updated = raw.updated_at or raw.created_at
    return SurveyResponse(
        source=source,
        response_id=raw.id,
        version=math.floor(max(raw.created_at, updated).timestamp()),
        score=raw.score,
        submitted_at=raw.created_at,
        updated_at=updated,
        email=email,
        external_id=external_id,
        comment=raw.comment if raw.comment and raw.comment.strip() else None,
        survey=raw.survey_type,
        link=raw.permalink,
        properties=raw.person_properties,
    )


def _no_respondent(email: str | None) -> str:
    # Without either the CRM contact cannot be found; say which half was unusable.
    shown = f"email {_shown(email)} is not an address" if email else "no email"
    return f"{shown} and no {' or '.join(EXTERNAL_ID_KEYS)}"


def _external_id(properties: dict[str, str]) -> str | None:
    values = (properties.get(key, "").strip() for key in EXTERNAL_ID_KEYS)
    return next((value for value in values if value), None)


def _reason(error: ValidationError) -> str:
    parts: list[str] = []
    for detail in error.errors(include_url=False)[:3]:
        field = ".".join(str(part) for part in detail["loc"])
        if detail["type"] == "value_error":
            parts.append(str(detail["ctx"]["error"]))
        elif detail["type"] == "missing":
            parts.append(f"{field} is missing")
        else:
            parts.append(f"{field} {_shown(detail['input'])}: {detail['msg'].lower()}")
    return "; ".join(parts)


def _reject(source: str, item: object, reason: str) -> Rejected:
    response_id = item.get("id") if isinstance(item, dict) else None
    usable_id = isinstance(response_id, str | int) and not isinstance(response_id, bool)
    return Rejected(
        source=source,
        response_id=str(response_id) if usable_id else None,
        reason=reason,
        payload=json.dumps(item, default=str),
    )


def _json_type(value: object) -> str:
    names = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
