"""Delighted survey response JSON to ``SurveyResponse`` or ``Rejected``; vendor JSON stops here.

Every item of a page ends in exactly one place: a response, a rejection (quarantined with a
reason that names the field and the offending value, "score 14 is outside 0-10"), or a counted
skip (another survey type). Nothing an item holds may raise past ``parse_page``.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from connectors.sources.delighted.raw import RawResponse, validation_reason
from syncd.edge.values import (
    clean_text,
    is_address,
    json_type,
    optional_identifier,
    payload,
    shown,
)
from syncd.model import Rejected, SourcePage, SurveyResponse

#: ``person_properties`` keys that carry the CRM's id for the respondent, first match wins.
#: ``customer_id`` is the key Delighted's own examples use.
EXTERNAL_ID_KEYS = ("customer_id", "external_id")
#: Delighted's default survey type: a response without ``survey_type`` is an NPS answer.
DEFAULT_SURVEY_TYPE = "nps"


@dataclass(frozen=True, slots=True)
class Skipped:
    """An item deliberately not taken, and why (it is counted, never silently lost)."""

    survey_type: str


Outcome = SurveyResponse | Rejected | Skipped


def survey_key(survey_type: str) -> str:
    """Survey types compare without case or surrounding space: ``"NPS "`` is ``"nps"``."""
    return survey_type.strip().lower()


def parse_page(
    source: str, items: Iterable[object], survey_types: Collection[str], now: datetime
) -> SourcePage:
    """Normalise one listing page; items of other survey types are counted in ``skipped``."""
    wanted = frozenset(survey_key(kind) for kind in survey_types)
    responses: list[SurveyResponse] = []
    rejected: list[Rejected] = []
    skipped = 0
    for item in items:
        outcome = parse_item(source, item, wanted, now)
        if isinstance(outcome, SurveyResponse):
            responses.append(outcome)
        elif isinstance(outcome, Rejected):
            rejected.append(outcome)
        else:
            skipped += 1
    return SourcePage(tuple(responses), tuple(rejected), skipped=skipped)


def parse_item(source: str, item: object, wanted: Collection[str], now: datetime) -> Outcome:
    """One item: a response, a rejection with an admin-readable reason, or a skip."""
    try:
        return _parse(source, item, wanted, now)
    except Exception as error:  # one odd item must never cost the page
        return _reject(source, item, f"item could not be read ({type(error).__name__})")


def _parse(source: str, item: object, wanted: Collection[str], now: datetime) -> Outcome:
    if not isinstance(item, dict):
        return _reject(source, item, f"item is a JSON {json_type(item)}, not an object")
    survey_type = item.get("survey_type")
    if survey_type is not None and not isinstance(survey_type, str):
        return _reject(source, item, f"survey_type {shown(survey_type)} is not text")
    kind = survey_key(clean_text(survey_type or "")) or DEFAULT_SURVEY_TYPE
    # Skip before validating: other survey types (CSAT, CES...) have other score ranges.
    if kind not in wanted:
        return Skipped(kind)
    try:
        raw = RawResponse.model_validate(item, context={"now": now})
    except ValidationError as exc:
        return _reject(source, item, validation_reason(exc))
    return _normalise(source, raw, kind, item)


def _normalise(
    source: str, raw: RawResponse, kind: str, item: dict[str, Any]
) -> SurveyResponse | Rejected:
    email = raw.person.email if raw.person.email and is_address(raw.person.email) else None
    external_id = _external_id(raw.person_properties)
    if email is None and external_id is None and raw.person.id is None:
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
        person_id=raw.person.id,
        comment=raw.comment,
        survey=kind,
        link=raw.permalink,
        properties=raw.person_properties,
    )


def _no_respondent(email: str | None) -> str:
    # Without any of them the CRM contact cannot be found; say which half was unusable.
    shown_email = f"email {shown(email)} is not an address" if email else "no email"
    return f"{shown_email}, no person id and no {' or '.join(EXTERNAL_ID_KEYS)}"


def _external_id(properties: dict[str, str]) -> str | None:
    values = (properties.get(key, "").strip() for key in EXTERNAL_ID_KEYS)
    return next((value for value in values if value), None)


def _reject(source: str, item: object, reason: str) -> Rejected:
    return Rejected(
        source=source,
        response_id=optional_identifier(item.get("id") if isinstance(item, dict) else None, "id"),
        reason=reason,
        payload=payload(item),
    )
