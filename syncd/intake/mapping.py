"""A configured field mapping from a flat or nested record (a JSON object, a CSV row) to an answer.

For sources syncd has no connector for: a generic JSON webhook names where each field sits in
its payload as a dotted path (``data.answer.score``), a CSV import names its columns. Every
record ends as a ``SurveyResponse`` or as a ``Rejected`` whose reason names the field and the
offending value; nothing a record holds raises past ``map_record``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from syncd.edge.values import clean_text, identifier, payload, shown
from syncd.intake.values import moment, score
from syncd.model import Rejected, SurveyResponse

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ADDRESS = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s.]+$")

Path = str


class FieldMapping(BaseModel):
    """Where each field of an answer sits in a record: a dotted path or a column name.

    An exact key wins over a dotted walk, so a CSV column named ``person.email`` works too.
    Optional fields whose path the record lacks are simply absent.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    response_id: Path = Field("response_id", min_length=1)
    score: Path = Field("score", min_length=1)
    submitted_at: Path = Field("submitted_at", min_length=1)
    #: When the answer last changed (a comment added later); its version. Absent: submitted_at.
    updated_at: Path | None = "updated_at"
    comment: Path | None = "comment"
    email: Path | None = "email"
    external_id: Path | None = "external_id"
    survey: Path | None = None
    link: Path | None = None
    #: Paths copied as text into the answer's properties (routing rules can match on them).
    properties: tuple[Path, ...] = ()

    @field_validator("updated_at", "comment", "email", "external_id", "survey", "link")
    @classmethod
    def _not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("a path must not be blank; leave the key out instead")
        return value

    def with_columns(self, overrides: Mapping[str, str]) -> FieldMapping:
        """A copy with some fields pointed elsewhere (``--map score=NPS``); unknown names fail."""
        return type(self).model_validate({**self.model_dump(), **overrides})


def value_at(record: object, path: str) -> object:
    """The value at ``path`` in ``record``: an exact key, else a dotted walk; None when absent."""
    if isinstance(record, Mapping) and path in record:
        return record[path]
    value = record
    for part in path.split("."):
        if isinstance(value, Mapping):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def map_record(
    source: str, record: object, mapping: FieldMapping, now: datetime, *, where: str = ""
) -> SurveyResponse | Rejected:
    """One record as an answer, or a rejection; ``where`` prefixes the reason ("row 17: ")."""
    try:
        return _map(source, record, mapping, now)
    except ValueError as error:
        return reject(source, record, mapping, f"{where}{error}")
    except Exception as error:  # one odd record must never cost the others
        return reject(source, record, mapping, f"{where}record could not be read ({error!r:.80})")


def _map(source: str, record: object, mapping: FieldMapping, now: datetime) -> SurveyResponse:
    if not isinstance(record, Mapping):
        raise ValueError(f"record is {shown(record)}, not an object")
    submitted = moment(value_at(record, mapping.submitted_at), mapping.submitted_at, now)
    updated = _optional(record, mapping.updated_at)
    changed = moment(updated, str(mapping.updated_at), now) if updated is not None else submitted
    changed = max(changed, submitted)
    email, external_id = _email(record, mapping), _text_id(record, mapping.external_id)
    if email is None and external_id is None:
        raise ValueError("no usable email and no external id: the contact cannot be found")
    return SurveyResponse(
        source=source,
        response_id=identifier(value_at(record, mapping.response_id), mapping.response_id),
        # Milliseconds of the last change: a later change is a higher version, a replay equal.
        version=int(changed.timestamp() * 1000),
        score=score(value_at(record, mapping.score), mapping.score),
        submitted_at=submitted,
        updated_at=changed,
        email=email,
        external_id=external_id,
        comment=_free_text(_optional(record, mapping.comment)),
        survey=_free_text(_optional(record, mapping.survey)),
        link=_free_text(_optional(record, mapping.link)),
        properties=_properties(record, mapping.properties),
    )


def _optional(record: Mapping[str, object], path: str | None) -> object:
    value = value_at(record, path) if path is not None else None
    return None if value == "" else value


def _email(record: Mapping[str, object], mapping: FieldMapping) -> str | None:
    value = _optional(record, mapping.email)
    if not isinstance(value, str):
        return None
    text = value.strip().lower()
    # An unusable address is no address; an external id may still find the contact.
    return text if _ADDRESS.match(text) and not _UNSTORABLE.search(text) else None


def _text_id(record: Mapping[str, object], path: str | None) -> str | None:
    value = _optional(record, path)
    if value is None or path is None:
        return None
    try:
        return identifier(value, path)
    except ValueError:
        return None


def _free_text(value: object) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        value = str(value)
    if not isinstance(value, str):
        return None
    return clean_text(value).strip() or None


def _properties(record: Mapping[str, object], paths: tuple[str, ...]) -> dict[str, str]:
    found = {path: _free_text(value_at(record, path)) for path in paths}
    return {path: text for path, text in found.items() if text is not None}


def reject(source: str, record: object, mapping: FieldMapping, reason: str) -> Rejected:
    """A record set aside with ``reason``; its payload is canonical, so it is quarantined once."""
    value = value_at(record, mapping.response_id) if isinstance(record, Mapping) else None
    try:
        response_id: str | None = identifier(value, "id")
    except ValueError:
        response_id = None
    return Rejected(source=source, response_id=response_id, reason=reason, payload=payload(record))
