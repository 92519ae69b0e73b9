"""AskNicely response rows to ``SurveyResponse`` or ``Rejected``; vendor JSON stops here.

Rows carry every number as a string (``"answer": "9"``, ``"responded": "1717202160"``)
[api-evangelist/asknicely openapi/asknicely-responses-api-openapi.yml]. Every row ends in exactly
one place: a response, a rejection with a reason naming the field and value, or a counted skip
(another question type: CSAT and five-star answers have other score ranges).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from syncd.edge.values import (
    clean_text,
    email_address,
    free_text,
    identifier,
    json_type,
    optional_identifier,
    payload,
    shown,
    unix_time,
    whole_number,
)
from syncd.model import Rejected, SurveyResponse

#: Custom contact fields end in ``_c`` [asknicely.asknice.ly/help/apidocs/auth].
CUSTOM_SUFFIX = "_c"
#: A row without ``question_type`` is taken as an NPS answer, AskNicely's default question.
DEFAULT_QUESTION = "nps"
MAX_PROPERTY_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Skipped:
    """A row deliberately not taken (another question type); counted, never silently lost."""

    question_type: str


Outcome = SurveyResponse | Rejected | Skipped


@dataclass(frozen=True, slots=True)
class RowReader:
    """How rows of one source become responses: its name, wanted types, external id field."""

    source: str
    question_types: Collection[str]
    external_id_field: str

    def read(self, item: object, now: datetime) -> Outcome:
        """One row: a response, a rejection with an admin-readable reason, or a skip."""
        try:
            return self._read(item, now)
        except ValueError as error:
            return reject(self.source, item, str(error))
        except Exception as error:  # one odd row must never cost the page
            return reject(self.source, item, f"row could not be read ({type(error).__name__})")

    def read_all(self, items: Iterable[object], now: datetime) -> list[Outcome]:
        """``read`` for every row of a page."""
        return [self.read(item, now) for item in items]

    def _read(self, item: object, now: datetime) -> Outcome:
        if not isinstance(item, dict):
            return reject(self.source, item, f"row is a JSON {json_type(item)}, not an object")
        kind = _question_type(item.get("question_type"))
        if kind not in {t.strip().lower() for t in self.question_types}:
            return Skipped(kind)
        response_id = identifier(item.get("response_id"), "response_id")
        score = _score(item.get("answer"))
        responded = unix_time(item.get("responded"), "responded", now)
        # ``person_id`` is the deprecated name of ``contact_id``, still sent beside it.
        person_id = optional_identifier(
            item.get("contact_id") or item.get("person_id"), "contact_id"
        )
        email = email_address(item.get("email"))
        external_id = optional_identifier(item.get(self.external_id_field), self.external_id_field)
        if email is None and external_id is None and person_id is None:
            raise ValueError(
                f"email {shown(item.get('email'))} is not an address, no contact_id and no "
                f"{self.external_id_field}"
            )
        comment = free_text(item.get("comment"))
        return SurveyResponse(
            source=self.source,
            response_id=response_id,
            version=base_version(responded, comment),
            score=score,
            submitted_at=responded,
            updated_at=responded,
            email=email,
            external_id=external_id,
            person_id=person_id,
            comment=comment,
            survey=kind,
            properties=_properties(item),
        )


def base_version(responded: datetime, comment: str | None) -> int:
    """The version a row has when nothing earlier is known about it.

    Twice the answer's second, plus one once it carries a comment: a comment arriving after the
    score (the usual change) raises the version with no memory of the earlier row, even across
    restarts. Other changes are told apart by ``ChangeLedger``.
    """
    return int(responded.timestamp()) * 2 + (1 if comment else 0)


def _score(value: object) -> int:
    if value is None or value == "":
        raise ValueError("answer is missing")
    score = whole_number(value, "answer")
    if not 0 <= score <= 10:
        raise ValueError(f"answer {shown(value)} is outside 0-10")
    return score


def _question_type(value: object) -> str:
    if value is None:
        return DEFAULT_QUESTION
    if not isinstance(value, str):
        raise ValueError(f"question_type {shown(value)} is not text")
    return clean_text(value).strip().lower() or DEFAULT_QUESTION


def _properties(item: dict[str, Any]) -> dict[str, str]:
    # Custom fields and the segment are context for the CRM; an odd one is dropped, not fatal.
    chosen = {
        key: value
        for key, value in item.items()
        if isinstance(key, str) and (key.endswith(CUSTOM_SUFFIX) or key == "segment")
    }
    kept: dict[str, str] = {}
    for key, value in chosen.items():
        text = free_text(value)
        if text is not None:
            kept[clean_text(key)] = text[:MAX_PROPERTY_LENGTH]
    return kept


def reject(source: str, item: object, reason: str) -> Rejected:
    """A quarantine entry for ``item``: its id when usable, the reason, the item as JSON."""
    raw_id = item.get("response_id") if isinstance(item, dict) else None
    return Rejected(
        source=source,
        response_id=optional_identifier(raw_id, "response_id"),
        reason=reason,
        payload=payload(item),
    )
