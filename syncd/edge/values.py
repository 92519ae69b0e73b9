"""Checks for single fields a survey API sends: a clean value, or ``ValueError`` with a reason.

Text from the wire may hold what no store can keep: a lone surrogate (``"\\ud800"``, legal in
JSON, not encodable as UTF-8) or a NUL byte (refused by PostgreSQL). Identifiers carrying such
text are refused, because a cleaned id or email would name a different response or person; free
text (comments, properties) is cleaned instead, because it is context, not identity.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime, timedelta

#: No survey tool syncd reads existed before this; an earlier time is a broken value.
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: Clocks disagree a little; more than this ahead is a broken value.
MAX_SKEW = timedelta(days=1)
#: The store's response id column.
MAX_ID_LENGTH = 200
#: RFC 5321 limits on a usable address and its local part.
MAX_EMAIL_LENGTH = 254
MAX_LOCAL_LENGTH = 64
#: Longer free text is cut where a source asks: a comment of megabytes is noise on a CRM contact.
MAX_TEXT_LENGTH = 10_000

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LOCAL_SPECIALS = frozenset('()<>[]:;,\\"@')
_LABEL = re.compile(r"^[^\W_](?:(?:[^\W_]|-)*[^\W_])?$")


def shown(value: object) -> str:
    """``repr`` cut short: a reason must stay one readable line even for a huge value."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def storable(text: str) -> bool:
    """True when every store can keep ``text`` as it is (no lone surrogate, no NUL)."""
    return _UNSTORABLE.search(text) is None


def clean_text(text: str, limit: int | None = None) -> str:
    """``text`` with lone surrogates replaced by U+FFFD, NUL bytes dropped, cut to ``limit``."""
    cleaned = _UNSTORABLE.sub(lambda match: "" if match.group() == "\x00" else "\ufffd", text)
    return cleaned if limit is None else cleaned[:limit]


def identifier(value: object, field: str) -> str:
    """An id: a number or non-blank text the store can keep unchanged."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{field} {shown(value)} is not a usable id (expected text or a number)")
    text = value.strip()
    if not text:
        raise ValueError(f"{field} {shown(value)} is blank")
    if not storable(text) or _CONTROL.search(text):
        raise ValueError(f"{field} {shown(value)} holds control characters or broken Unicode")
    if len(text) > MAX_ID_LENGTH:
        raise ValueError(f"{field} {shown(value)} is longer than {MAX_ID_LENGTH} characters")
    return text


def optional_identifier(value: object, field: str) -> str | None:
    """An id when one is usable; None for a missing, blank or unusable one (never raises)."""
    if value is None:
        return None
    try:
        return identifier(value, field)
    except ValueError:
        return None


def is_address(text: str) -> bool:
    """A pragmatic email syntax check: one ``@``, a plain local part, a dotted domain."""
    local, at, domain = text.rpartition("@")
    if not at or len(text) > MAX_EMAIL_LENGTH or not 0 < len(local) <= MAX_LOCAL_LENGTH:
        return False
    if any(ch in _LOCAL_SPECIALS or not ch.isprintable() or ch.isspace() for ch in local):
        return False
    if local.startswith(".") or local.endswith(".") or ".." in local:
        return False
    labels = domain.split(".")
    if len(labels) < 2 or labels[-1].isdigit():
        return False
    return all(len(label) <= 63 and _LABEL.match(label) for label in labels)


def email_address(value: object) -> str | None:
    """A trimmed, lower-cased address; None when absent, blank, not text or not an address."""
    if not isinstance(value, str) or not storable(value):
        return None
    text = unicodedata.normalize("NFC", value.strip().lower())
    return text if text and is_address(text) else None


def free_text(value: object) -> str | None:
    """Respondent-typed text, cleaned; None when absent or blank.

    A number is kept as its digits (a comment "10" may reach us as JSON 10); objects, lists
    and booleans are dropped, as no respondent typed them.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = clean_text(str(value)).strip()
    return text or None


def in_range(
    moment: datetime, field: str, value: object, now: datetime, earliest: datetime = EARLIEST
) -> datetime:
    """``moment`` when it lies between ``earliest`` and ``now`` plus a day's clock skew."""
    if moment < earliest:
        raise ValueError(f"{field} {shown(value)} ({moment:%Y-%m-%d}) is before {earliest.year}")
    if moment > now + MAX_SKEW:
        raise ValueError(f"{field} {shown(value)} ({moment:%Y-%m-%d %H:%M}) is in the future")
    return moment


def unix_time(value: object, field: str, now: datetime) -> datetime:
    """Unix seconds (a number or a string of digits) between 2000 and ``now`` plus skew."""
    seconds = value if isinstance(value, int | float) and not isinstance(value, bool) else None
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 20:
        seconds = int(value.strip())
    try:
        moment = datetime.fromtimestamp(seconds, UTC) if seconds is not None else None
    except (OverflowError, OSError, ValueError):
        moment = None
    if moment is None:
        raise ValueError(f"{field} {shown(value)} is not a Unix timestamp")
    return in_range(moment, field, value, now)


def iso_time(value: object, field: str, now: datetime, earliest: datetime = EARLIEST) -> datetime:
    """An ISO-8601 time between ``earliest`` and ``now`` plus skew; one without offset is UTC."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(f"{field} {shown(value)} is not an ISO-8601 time")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{field} {shown(value)} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        # Only for sources whose docs say their times are UTC (Typeform, SurveyMonkey).
        moment = moment.replace(tzinfo=UTC)
    return in_range(moment.astimezone(UTC), field, value, now, earliest)


def whole_number(value: object, field: str) -> int:
    """An integer sent as a JSON number or as a string of digits ("9"), as some APIs do."""
    if isinstance(value, bool):
        raise ValueError(f"{field} {shown(value)} is not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        text = value.strip()
        if text.lstrip("-").isdigit() and len(text) < 20:
            return int(text)
    raise ValueError(f"{field} {shown(value)} is not a whole number")


def payload(record: object) -> str:
    """ASCII-only, key-sorted JSON: storable whatever the record holds, the same for the same.

    The same text for the same record lets the quarantine recognise a record without an id
    when it comes back.
    """
    try:
        return json.dumps(record, default=str, ensure_ascii=True, sort_keys=True)
    except (TypeError, ValueError, RecursionError):  # cannot come from JSON; never raise here
        return json.dumps(f"<{type(record).__name__} that cannot be written as JSON>")


def json_type(value: object) -> str:
    """The JSON name of ``value``'s type ("object", "array", "null"...), for a reason."""
    names = {list: "array", str: "string", int: "number", float: "number", bool: "boolean"}
    return "null" if value is None else names.get(type(value), type(value).__name__)
