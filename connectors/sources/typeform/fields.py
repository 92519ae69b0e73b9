"""Checks for single Typeform fields: a clean value, or ``ValueError`` with a reason for an admin.

Identifiers holding what no store can keep (a lone surrogate, a NUL byte, control characters)
are refused, because a cleaned id would name another response; free text is cleaned instead.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta

#: Typeform's placeholder for "never submitted" (the docs' example of an unsubmitted item).
NEVER = "0001-01-01"
#: Typeform did not exist before this; an earlier time is a broken value, not an old answer.
EARLIEST = datetime(2012, 1, 1, tzinfo=UTC)
#: Clocks disagree a little; more than this ahead is a broken value.
MAX_SKEW = timedelta(days=1)
MAX_ID_LENGTH = 200
MAX_EMAIL_LENGTH = 254
#: Longer free text is cut: a comment of megabytes is noise on a CRM contact.
MAX_TEXT_LENGTH = 10_000

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_ADDRESS = re.compile(r"^[^@\s()<>\[\]:;,\\\"]{1,64}@(?:[^\W_](?:[\w-]*[^\W_])?\.)+[^\W\d_]{2,63}$")


def shown(value: object) -> str:
    """``repr`` cut short: a reason must stay one readable line even for a huge value."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."


def clean_text(text: str, limit: int = MAX_TEXT_LENGTH) -> str:
    """``text`` with lone surrogates replaced, NUL bytes dropped, cut to ``limit``."""
    cleaned = _UNSTORABLE.sub(lambda match: "" if match.group() == "\x00" else "\ufffd", text)
    return cleaned[:limit]


def identifier(value: object, field: str) -> str:
    """A response or form id: non-blank text (or a number) the store can keep unchanged."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"{field} {shown(value)} is not a usable id (expected text)")
    text = value.strip()
    if not text:
        raise ValueError(f"{field} {shown(value)} is blank")
    if _UNSTORABLE.search(text) or _CONTROL.search(text):
        raise ValueError(f"{field} {shown(value)} holds control characters or broken Unicode")
    if len(text) > MAX_ID_LENGTH:
        raise ValueError(f"{field} {shown(value)} is longer than {MAX_ID_LENGTH} characters")
    return text


def email(value: object) -> str | None:
    """A trimmed, lower-cased address; None when absent or not an address."""
    if not isinstance(value, str) or _UNSTORABLE.search(value):
        return None
    text = unicodedata.normalize("NFC", value.strip().lower())
    if len(text) > MAX_EMAIL_LENGTH or not _ADDRESS.match(text) or ".." in text:
        return None
    return text


def iso_time(value: object, field: str, now: datetime) -> datetime:
    """An ISO-8601 time (Typeform sends ``Z``), between 2012 and ``now`` plus a day's skew."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(f"{field} {shown(value)} is not an ISO-8601 time")
    if value.startswith(NEVER):
        raise ValueError(f"{field} {shown(value)} is Typeform's placeholder: never submitted")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{field} {shown(value)} is not an ISO-8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # Typeform's times are UTC
    moment = moment.astimezone(UTC)
    if moment < EARLIEST:
        raise ValueError(f"{field} {shown(value)} is before 2012")
    if moment > now + MAX_SKEW:
        raise ValueError(f"{field} {shown(value)} is in the future")
    return moment
