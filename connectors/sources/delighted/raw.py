"""The shape of one Delighted survey response as far as syncd relies on it (edge only)."""

from __future__ import annotations

import json
import math
import unicodedata
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError, ValidationInfo

from syncd.edge.values import clean_text, identifier, shown, storable, unix_time


def _response_id(value: object) -> str:
    return identifier(value, "id")


def _score(value: object) -> int:
    if value is None:
        raise ValueError("score is missing")
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"score {shown(value)} is not an integer")
    if not 0 <= value <= 10:
        raise ValueError(f"score {value} is outside 0-10")
    return value


def _timestamp(value: object, info: ValidationInfo) -> datetime | None:
    if value is None and info.field_name == "updated_at":
        return None  # never updated; the official example shows null
    context = info.context or {}
    return unix_time(value, str(info.field_name), context["now"])


def _person(value: object) -> object:
    if value is None:
        return {}
    if isinstance(value, dict):
        return value
    # Without expand[]=person (and in the official client's own test data) the person is just
    # its id; keep it, so a CRM property holding that id can still find the contact.
    if isinstance(value, str | int) and not isinstance(value, bool):
        return {"id": value}
    raise ValueError(f"person {shown(value)} is neither an object nor an id")


def _person_id(value: object) -> str | None:
    if value is None:
        return None
    try:
        return identifier(value, "person.id")
    except ValueError:
        return None  # an unusable person id is no id; email or customer id may still match


def _email(value: object) -> str | None:
    # Checked as an address later (parse.py): a malformed one is reported with the response.
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"person.email {shown(value)} is not text")
    if not storable(value):
        raise ValueError(f"person.email {shown(value)} holds broken Unicode or a NUL byte")
    return unicodedata.normalize("NFC", value.strip().lower()) or None


def _text(value: object) -> str:
    if isinstance(value, str):
        return clean_text(value)
    return json.dumps(value) if isinstance(value, bool | dict | list) else clean_text(str(value))


def _properties(value: object) -> dict[str, str]:
    # Custom metadata is optional context; a malformed one must not cost us the NPS answer.
    if not isinstance(value, dict):
        return {}
    return {_text(key): _text(item) for key, item in value.items() if item is not None}


def _comment(value: object) -> str | None:
    # The score is the answer and the comment its context, so an odd comment never costs the
    # answer. A number is kept as its digits (someone who typed "10" may reach us as JSON 10
    # through an import); objects, lists and booleans are dropped, as no respondent typed them
    # and their JSON would only be noise on the CRM contact.
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        value = str(value)
    if not isinstance(value, str):
        return None
    text = clean_text(value).strip()
    return text or None


def _optional_text(value: object) -> object:
    return clean_text(value) if isinstance(value, str) else None


class Person(BaseModel):
    """``person`` (expanded or only its id): the respondent's email and Delighted id."""

    model_config = ConfigDict(extra="allow")

    id: Annotated[str | None, BeforeValidator(_person_id)] = None
    email: Annotated[str | None, BeforeValidator(_email)] = None


class RawResponse(BaseModel):
    """One item of ``GET /v1/survey_responses.json``; validate with ``context={"now": ...}``."""

    model_config = ConfigDict(extra="allow")

    id: Annotated[str, BeforeValidator(_response_id)]
    score: Annotated[int, BeforeValidator(_score)]
    created_at: Annotated[datetime, BeforeValidator(_timestamp)]
    updated_at: Annotated[datetime | None, BeforeValidator(_timestamp)] = None
    person: Annotated[Person, BeforeValidator(_person)] = Person()
    comment: Annotated[str | None, BeforeValidator(_comment)] = None
    permalink: Annotated[str | None, BeforeValidator(_optional_text)] = None
    person_properties: Annotated[dict[str, str], BeforeValidator(_properties)] = {}


def validation_reason(error: ValidationError) -> str:
    """The first problems of a validation error, in the words an admin reads."""
    parts: list[str] = []
    for detail in error.errors(include_url=False)[:3]:
        field = ".".join(str(part) for part in detail["loc"])
        if detail["type"] == "value_error":
            parts.append(str(detail["ctx"]["error"]))
        elif detail["type"] == "missing":
            parts.append(f"{field} is missing")
        else:
            parts.append(f"{field} {shown(detail['input'])}: {detail['msg'].lower()}")
    return "; ".join(parts)
