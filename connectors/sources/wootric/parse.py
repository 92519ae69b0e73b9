"""Wootric response JSON (with its end user) to ``SurveyResponse`` or ``Rejected``.

Fields follow the tap's schema (``id``, ``end_user_id``, ``survey_id``, ``score``, ``text``,
``completed``, ``excluded_from_calculations``, ``created_at``, ``updated_at``) [singer-io/
tap-wootric tap_wootric/schemas/responses.json]; the respondent's email, ``external_id`` and
properties come from the end user [docs.wootric.com/api]. ``version`` is the later of the two
timestamps in seconds, so an edited score or comment is a newer version of the same response.
Nothing a response holds may raise past ``ResponseReader.read``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from connectors.sources.wootric.times import wootric_time
from syncd.edge.values import (
    clean_text,
    email_address,
    free_text,
    identifier,
    json_type,
    optional_identifier,
    payload,
    shown,
    whole_number,
)
from syncd.model import Rejected, SurveyResponse

MAX_PROPERTY_LENGTH = 2000
MAX_PROPERTIES = 100


@dataclass(frozen=True, slots=True)
class ResponseReader:
    """How the responses of one source become ``SurveyResponse`` values."""

    source: str

    def read(self, item: object, now: datetime) -> SurveyResponse | Rejected:
        """One response: parsed, or rejected with a reason naming the field and its value."""
        try:
            return self._read(item, now)
        except ValueError as error:
            return reject(self.source, item, str(error))
        except Exception as error:  # one odd item must never cost the page
            return reject(self.source, item, f"item could not be read ({type(error).__name__})")

    def _read(self, item: object, now: datetime) -> SurveyResponse | Rejected:
        if not isinstance(item, dict):
            return reject(self.source, item, f"item is a JSON {json_type(item)}, not an object")
        response_id = identifier(item.get("id"), "id")
        score = _score(item.get("score"))
        created = wootric_time(item.get("created_at"), "created_at", now)
        updated_raw = item.get("updated_at")
        updated = (
            created if updated_raw in (None, "") else wootric_time(updated_raw, "updated_at", now)
        )
        updated = max(created, updated)
        user = item.get("end_user")
        user = user if isinstance(user, dict) else {}
        # The webhook puts the end user's fields on the response itself.
        email = email_address(user.get("email", item.get("email")))
        external_id = optional_identifier(
            user.get("external_id", item.get("external_id")), "external_id"
        )
        person_id = optional_identifier(item.get("end_user_id", user.get("id")), "end_user_id")
        if email is None and external_id is None and person_id is None:
            raise ValueError(
                f"email {shown(user.get('email', item.get('email')))} is not an address, "
                "no external_id and no end_user_id"
            )
        properties = _properties(user.get("properties", item.get("end_user_properties")))
        for flag in ("completed", "excluded_from_calculations"):
            if isinstance(item.get(flag), bool):
                properties[flag] = "true" if item[flag] else "false"
        survey_id = optional_identifier(item.get("survey_id"), "survey_id")
        if survey_id is not None:
            properties["survey_id"] = survey_id
        return SurveyResponse(
            source=self.source,
            response_id=response_id,
            version=math.floor(updated.timestamp()),
            score=score,
            submitted_at=created,
            updated_at=updated,
            email=email,
            external_id=external_id,
            person_id=person_id,
            comment=free_text(item.get("text")),
            survey="nps",
            properties=properties,
        )


def _score(value: object) -> int:
    if value is None or value == "":
        raise ValueError("score is missing")
    score = whole_number(value, "score")
    if not 0 <= score <= 10:
        raise ValueError(f"score {shown(value)} is outside 0-10")
    return score


def _properties(value: object) -> dict[str, str]:
    # Custom properties are context; a malformed set must not cost the answer.
    if not isinstance(value, dict):
        return {}
    kept: dict[str, str] = {}
    for key, item in list(value.items())[:MAX_PROPERTIES]:
        text = free_text(item)
        if isinstance(key, str) and text is not None:
            kept[clean_text(key)[:200]] = text[:MAX_PROPERTY_LENGTH]
    return kept


def reject(source: str, item: object, reason: str) -> Rejected:
    """A quarantine entry for ``item``: its id when usable, the reason, the item as JSON."""
    raw_id = item.get("id") if isinstance(item, dict) else None
    return Rejected(
        source=source,
        response_id=optional_identifier(raw_id, "id"),
        reason=reason,
        payload=payload(item),
    )
