"""How long a vendor asked us to wait, read from its ``Retry-After`` header.

RFC 9110 allows delta-seconds or an HTTP-date. Vendors and proxies also send fractions ("1.5")
and RFC 2822 dates in the zone "-0000", which ``email.utils`` parses as a *naive* datetime: the
moment is UTC all the same, and comparing it with an aware "now" would raise ``TypeError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

#: Longer asks are cut to this: the wait feeds datetime arithmetic in the scheduler, which a
#: value like ``99999999999`` would overflow, and no vendor means a wait of more than a week.
MAX_RETRY_AFTER_SECONDS = 7 * 24 * 3600.0
#: Plain decimal seconds only: ``float()`` would also take "inf", "nan", "-5" and "1e9".
_SECONDS = re.compile(r"[0-9]{1,12}(?:\.[0-9]{1,6})?")


def retry_after(headers: object, now: datetime | None = None) -> float | None:
    """Seconds from the ``Retry-After`` of ``headers`` (a mapping or anything with ``items()``).

    ``None`` when the header is missing or unreadable; ``now`` (aware) is for tests.
    """
    return parse_retry_after(header(headers, "retry-after"), now)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait for one ``Retry-After`` value; a date in the past means 0."""
    text = (value or "").strip()
    if not text:
        return None
    if _SECONDS.fullmatch(text):
        return min(float(text), MAX_RETRY_AFTER_SECONDS)
    when = _http_date(text)
    if when is None:
        return None
    seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(0.0, seconds), MAX_RETRY_AFTER_SECONDS)


def header(headers: object, name: str) -> str | None:
    """The value of header ``name``, compared case-insensitively, from any header container.

    httpx and urllib3 headers are case-insensitive already; a plain ``dict`` (the HubSpot SDK's
    exceptions may carry one) is not.
    """
    items: Iterable[tuple[object, object]]
    if isinstance(headers, Mapping):
        items = headers.items()
    elif headers is None:
        return None
    else:
        items = getattr(headers, "items", lambda: [])()
    wanted = name.lower()
    for key, value in items:
        if str(key).lower() == wanted:
            return str(value)
    return None


def _http_date(text: str) -> datetime | None:
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    # HTTP-dates are always UTC; "-0000" and asctime dates come back without a zone.
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
