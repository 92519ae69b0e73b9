"""A configured field mapping from a flat or nested record (a JSON object, a CSV row) to an answer.

For sources syncd has no connector for: a generic JSON webhook names where each field sits in
its payload as a dotted path (``data.answer.score``), a CSV import names its columns. Every
record ends as a ``SurveyResponse`` or as a ``Rejected`` whose reason names the field and the
offending value; nothing a record holds raises past ``map_record``.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from syncd.model import Rejected, SurveyResponse

#: No survey tool answered before this; an earlier time is a broken value, not an old answer.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: Clocks disagree a little; more than this ahead is a broken value.
MAX_SKEW = timedelta(days=1)
#: The store's response id column.
MAX_ID_LENGTH = 200
#: Unix times above this are milliseconds (10**11 seconds is the year 5138).
_MS_THRESHOLD = 10**11
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
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


def identifier(value: object, field: str) -> str:
    """A number or non-blank text the store can keep unchanged."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{field} {shown(value)} is not a usable id (expected text or a number)")
    text = value.strip()
    if not text:
        raise ValueError(f"{field} {shown(value)} is blank")
    if _UNSTORABLE.search(text) or _CONTROL.search(text):
        raise ValueError(f"{field} {shown(value)} holds control characters or broken Unicode")
    if len(text) > MAX_ID_LENGTH:
        raise ValueError(f"{field} {shown(value)} is longer than {MAX_ID_LENGTH} characters")
    return text


def score(value: object, field: str) -> int:
    """A 0-10 integer; numbers sent as text ("9") and integral floats (9.0) are taken."""
    number: object = value
    if isinstance(value, str) and re.fullmatch(r"\s*\d{1,2}(\.0+)?\s*", value):
        number = float(value)
    if isinstance(number, float) and math.isfinite(number) and number.is_integer():
        number = int(number)
    if value is None:
        raise ValueError(f"{field} (the score) is missing")
    if isinstance(number, bool) or not isinstance(number, int):
        raise ValueError(f"{field} {shown(value)} is not a whole number")
    if not 0 <= number <= 10:
        raise ValueError(f"{field} {number} is outside 0-10")
    return number


def moment(value: object, field: str, now: datetime) -> datetime:
    """ISO 8601 text or Unix seconds (milliseconds when huge), in UTC, between 2000 and now."""
    if value is None or value == "":
        raise ValueError(f"{field} (a time) is missing")
    parsed = _unix(value) if not isinstance(value, str) or _is_number(value) else _iso(value)
    if parsed is None:
        raise ValueError(f"{field} {shown(value)} is neither an ISO 8601 time nor Unix seconds")
    if parsed < EARLIEST:
        raise ValueError(f"{field} {shown(value)} ({parsed:%Y-%m-%d}) is before 2000")
    if parsed > now + MAX_SKEW:
        raise ValueError(f"{field} {shown(value)} ({parsed:%Y-%m-%d %H:%M}) is in the future")
    return parsed


def _is_number(text: str) -> bool:
    return re.fullmatch(r"\s*\d{1,16}(\.\d+)?\s*", text) is not None


def _unix(value: object) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
        if seconds > _MS_THRESHOLD:
            seconds /= 1000
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _iso(text: str) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    # A time without an offset is taken as UTC: exports commonly write UTC without saying so.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


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


def clean_text(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD and NUL bytes dropped."""
    return _UNSTORABLE.sub(lambda match: "" if match.group() == "\x00" else "\ufffd", text)


def shown(value: object) -> str:
    """``repr`` cut short: a reason stays one readable line even for a huge value."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def reject(source: str, record: object, mapping: FieldMapping, reason: str) -> Rejected:
    """A record set aside with ``reason``; its payload is canonical, so it is quarantined once."""
    value = value_at(record, mapping.response_id) if isinstance(record, Mapping) else None
    try:
        response_id: str | None = identifier(value, "id")
    except ValueError:
        response_id = None
    return Rejected(source=source, response_id=response_id, reason=reason, payload=payload(record))


def payload(record: object) -> str:
    """ASCII-only, key-sorted JSON: storable whatever the record holds, the same for the same."""
    try:
        return json.dumps(record, default=str, ensure_ascii=True, sort_keys=True)
    except (TypeError, ValueError, RecursionError):
        return json.dumps(f"<{type(record).__name__} that cannot be written as JSON>")
