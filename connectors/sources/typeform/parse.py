"""Typeform response JSON to ``SurveyResponse`` or ``Rejected``; vendor JSON stops here.

The same item shape comes from polling (``items[]`` of ``GET /forms/{id}/responses``) and from
webhooks (``form_response``), so both paths make the same response with the same version
[typeform.com/developers/responses/reference/retrieve-responses/; webhooks/example-payload].
Every item ends in exactly one place: a response, a rejection with a reason, or a counted skip
(a response that left the NPS question unanswered). Nothing an item holds raises past here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from syncd.edge.values import (
    MAX_TEXT_LENGTH,
    clean_text,
    email_address,
    identifier,
    iso_time,
    optional_identifier,
    payload,
    shown,
)
from syncd.model import Rejected, SourcePage, SurveyResponse

RESULTS_URL = "https://admin.typeform.com/form/{form}/results#responses"
#: Typeform's placeholder for "never submitted" (the docs' example of an unsubmitted item).
NEVER = "0001-01-01"
#: Typeform did not exist before this; an earlier time is a broken value, not an old answer.
EARLIEST = datetime(2012, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Reading:
    """Which answers and hidden fields mean what, from the settings."""

    source: str
    nps_ref: str
    comment_ref: str | None
    email_field: str
    external_id_field: str


class _Skip(Exception):
    """The item is fine but holds no NPS answer."""


def parse_page(reading: Reading, form: str, items: Sequence[object], now: datetime) -> SourcePage:
    """Every item of a page as a response, a rejection or a skip."""
    responses: list[SurveyResponse] = []
    rejected: list[Rejected] = []
    skipped = 0
    for item in items:
        outcome = parse_item(reading, form, item, now)
        if isinstance(outcome, SurveyResponse):
            responses.append(outcome)
        elif isinstance(outcome, Rejected):
            rejected.append(outcome)
        else:
            skipped += 1
    return SourcePage(tuple(responses), tuple(rejected), skipped=skipped)


def parse_item(
    reading: Reading, form: str, item: object, now: datetime
) -> SurveyResponse | Rejected | None:
    """One item: a response, a rejection with an admin-readable reason, or None (skipped)."""
    try:
        return _parse(reading, form, item, now)
    except _Skip:
        return None
    except ValueError as error:
        return _reject(reading.source, item, str(error))
    except Exception as error:  # one odd item must never cost the page
        return _reject(reading.source, item, f"item could not be read ({type(error).__name__})")


def _parse(reading: Reading, form: str, item: object, now: datetime) -> SurveyResponse:
    if not isinstance(item, dict):
        raise ValueError(f"item is a JSON {type(item).__name__}, not an object")
    token = identifier(item.get("token", item.get("response_id")), "token")
    submitted = _submitted_at(item.get("submitted_at"), now)
    answers = _answers(item.get("answers"))
    score = _score(answers, reading.nps_ref)
    hidden = _hidden(item.get("hidden"))
    address = email_address(hidden.get(reading.email_field)) or _email_answer(answers)
    external_id = hidden.get(reading.external_id_field, "").strip() or None
    if address is None and external_id is None:
        raise ValueError(
            f"no email (hidden field {reading.email_field!r} or an email answer) "
            f"and no hidden field {reading.external_id_field!r}"
        )
    return SurveyResponse(
        source=reading.source,
        response_id=token,
        # No update time exists; a response submitted again (edited) gets a later submitted_at.
        version=math.floor(submitted.timestamp()),
        score=score,
        submitted_at=submitted,
        updated_at=submitted,
        email=address,
        external_id=external_id[:200] if external_id else None,
        comment=_comment(answers, reading),
        survey=form,
        link=RESULTS_URL.format(form=form),
        properties=hidden,
    )


def _answers(value: object) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"answers {shown(value)} is not a list")
    return [answer for answer in value if isinstance(answer, dict)]


def _ref(answer: Mapping[str, Any]) -> object:
    field = answer.get("field")
    return field.get("ref") if isinstance(field, dict) else None


def _score(answers: list[dict[str, Any]], ref: str) -> int:
    answer = next((a for a in answers if _ref(a) == ref), None)
    if answer is None:
        raise _Skip  # the NPS question was optional and left unanswered
    # nps and opinion_scale answers are {"type": "number", "number": N}.
    value = answer.get("number")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"score {shown(value)} (answer {ref!r}) is not an integer")
    if not 0 <= value <= 10:
        raise ValueError(f"score {value} (answer {ref!r}) is outside 0-10")
    return value


def _comment(answers: list[dict[str, Any]], reading: Reading) -> str | None:
    if reading.comment_ref is not None:
        answer = next((a for a in answers if _ref(a) == reading.comment_ref), None)
    else:
        refs = [_ref(a) for a in answers]
        after = refs.index(reading.nps_ref) + 1 if reading.nps_ref in refs else 0
        answer = next((a for a in answers[after:] if a.get("type") == "text"), None)
    text = answer.get("text") if answer is not None else None
    if not isinstance(text, str):
        return None
    return clean_text(text, MAX_TEXT_LENGTH).strip() or None


def _email_answer(answers: list[dict[str, Any]]) -> str | None:
    values = (email_address(a.get("email")) for a in answers if a.get("type") == "email")
    return next((value for value in values if value), None)


def _hidden(value: object) -> dict[str, str]:
    # Hidden fields are context; a malformed set must not cost the NPS answer.
    if not isinstance(value, dict):
        return {}
    return {
        clean_text(str(key), 100): clean_text(item, 1000)
        for key, item in list(value.items())[:50]
        if isinstance(item, str)
    }


def _reject(source: str, item: object, reason: str) -> Rejected:
    token = item.get("token", item.get("response_id")) if isinstance(item, dict) else None
    response_id = optional_identifier(token, "token")
    return Rejected(source=source, response_id=response_id, reason=reason, payload=payload(item))


def _submitted_at(value: object, now: datetime) -> datetime:
    """``submitted_at`` (UTC, with ``Z``), refusing the never-submitted placeholder."""
    if isinstance(value, str) and value.startswith(NEVER):
        raise ValueError(f"submitted_at {shown(value)} is Typeform's placeholder: never submitted")
    return iso_time(value, "submitted_at", now, EARLIEST)
