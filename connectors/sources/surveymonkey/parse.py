"""SurveyMonkey response JSON to ``SurveyResponse`` or ``Rejected``; vendor JSON stops here.

Item shape per ``GET /surveys/{id}/responses/bulk`` [SurveyMonkey/public_api_docs
includes/_responses.md]: ``id``, ``response_status``, ``date_created``/``date_modified``
(``+00:00``), ``email_address``, ``recipient_id``, ``custom_variables``, ``analyze_url`` and
``pages[].questions[].answers[]`` with ``choice_id`` or ``text``. Every item ends in one place:
a response, a rejection with a reason, or a counted skip (not completed, or the NPS question
left unanswered). Nothing an item holds raises past here.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.sources.surveymonkey.details import NpsQuestion
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

#: SurveyMonkey did not exist before this; an earlier time is a broken value. Its times are
#: ``+00:00``, and one without an offset is "implicitly in UTC".
EARLIEST = datetime(1999, 1, 1, tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class Reading:
    """The survey being read and what its answers mean."""

    source: str
    survey: str
    nps: NpsQuestion
    external_id_variable: str


class _Skip(Exception):
    """The item is fine but not an NPS answer to take (partial, or NPS left unanswered)."""


#: How the reason of an answer naming an unknown choice begins.
STALE = "NPS answer choice_id"


def parse_page(reading: Reading, items: Sequence[object], now: datetime) -> tuple[SourcePage, bool]:
    """Every item of a page as a response, a rejection or a skip; and whether an answer named
    a choice the details do not hold (then the details are stale: the survey was edited)."""
    responses: list[SurveyResponse] = []
    rejected: list[Rejected] = []
    skipped, stale = 0, False
    for item in items:
        outcome = parse_item(reading, item, now)
        stale = stale or (isinstance(outcome, Rejected) and outcome.reason.startswith(STALE))
        if isinstance(outcome, SurveyResponse):
            responses.append(outcome)
        elif isinstance(outcome, Rejected):
            rejected.append(outcome)
        else:
            skipped += 1
    return SourcePage(tuple(responses), tuple(rejected), skipped=skipped), stale


def parse_item(reading: Reading, item: object, now: datetime) -> SurveyResponse | Rejected | None:
    """One item: a response, a rejection with an admin-readable reason, or None (skipped)."""
    try:
        return _parse(reading, item, now)
    except _Skip:
        return None
    except ValueError as error:
        return _reject(reading.source, item, str(error))
    except Exception as error:  # one odd item must never cost the page
        return _reject(reading.source, item, f"item could not be read ({type(error).__name__})")


def _parse(reading: Reading, item: object, now: datetime) -> SurveyResponse:
    if not isinstance(item, dict):
        raise ValueError(f"item is a JSON {type(item).__name__}, not an object")
    response_id = identifier(item.get("id"), "id")
    if item.get("response_status", "completed") != "completed":
        raise _Skip  # partial, overquota, disqualified: taken once completed (date_modified moves)
    created = iso_time(item.get("date_created"), "date_created", now, EARLIEST)
    modified = iso_time(item.get("date_modified"), "date_modified", now, EARLIEST)
    answers = dict(_answers(item.get("pages")))
    score = _score(answers.get(reading.nps.question_id), reading.nps)
    variables = _variables(item.get("custom_variables"))
    address = email_address(item.get("email_address"))
    external_id = variables.get(reading.external_id_variable, "").strip()[:200] or None
    recipient = item.get("recipient_id")
    person_id = (
        str(recipient)
        if isinstance(recipient, str | int) and str(recipient) not in ("", "0")
        else None
    )
    if address is None and external_id is None and person_id is None:
        raise ValueError(
            f"no email_address, no recipient_id and no custom variable "
            f"{reading.external_id_variable!r}"
        )
    link = item.get("analyze_url")
    return SurveyResponse(
        source=reading.source,
        response_id=response_id,
        version=math.floor(max(created, modified).timestamp()),
        score=score,
        submitted_at=created,
        updated_at=max(created, modified),
        email=address,
        external_id=external_id,
        person_id=person_id[:200] if person_id else None,
        comment=_comment(answers, reading.nps),
        survey=reading.survey,
        link=clean_text(link, 2000) if isinstance(link, str) else None,
        properties=variables,
    )


def _answers(pages: object) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    if pages is None:
        return
    if not isinstance(pages, list):
        raise ValueError(f"pages {shown(pages)} is not a list")
    for page in pages:
        questions = page.get("questions") if isinstance(page, dict) else None
        for question in questions if isinstance(questions, list) else []:
            if isinstance(question, dict) and isinstance(question.get("answers"), list):
                answers = [a for a in question["answers"] if isinstance(a, dict)]
                yield str(question.get("id")), answers


def _score(answers: list[dict[str, Any]] | None, nps: NpsQuestion) -> int:
    if not answers:
        raise _Skip  # the NPS question was left unanswered
    choice = answers[0].get("choice_id")
    if not isinstance(choice, str | int) or isinstance(choice, bool):
        raise ValueError(f"NPS answer {shown(choice)} names no choice_id")
    if str(choice) not in nps.scores:
        raise ValueError(f"{STALE} {shown(choice)} is not a choice of the NPS question")
    return nps.scores[str(choice)]


def _comment(answers: dict[str, list[dict[str, Any]]], nps: NpsQuestion) -> str | None:
    if nps.comment_question_id is not None:
        found = answers.get(nps.comment_question_id, [])
    else:
        ids = list(answers)
        after = ids[ids.index(nps.question_id) + 1 :] if nps.question_id in ids else ids
        found = next((answers[q] for q in after if any("text" in a for a in answers[q])), [])
    text = next((a["text"] for a in found if isinstance(a.get("text"), str)), None)
    return (clean_text(text, MAX_TEXT_LENGTH).strip() or None) if text is not None else None


def _variables(value: object) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {
        clean_text(str(key), 100): clean_text(item, 1000)
        for key, item in list(value.items())[:50]
        if isinstance(item, str)
    }


def _reject(source: str, item: object, reason: str) -> Rejected:
    raw = item.get("id") if isinstance(item, dict) else None
    response_id = optional_identifier(raw, "id")
    return Rejected(source=source, response_id=response_id, reason=reason, payload=payload(item))
