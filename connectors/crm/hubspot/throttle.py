"""HubSpot's limits by tier, and which limit a 429 was about.

A 429 may come from the per-second search limit, the rolling 10-second burst limit or the
account's daily allowance, and the right wait differs by four orders of magnitude: about 1 s,
10 s, or until the allowance resets. ``policyName`` says which when present; the recorded real
bodies often lack it, so the message, the rate headers and the kind of call decide next.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from enum import StrEnum

from syncd.edge.rate_headers import RateHeaders
from syncd.errors import Blocking, CrmRateLimited

HEADER_PREFIX = "X-HubSpot-RateLimit"
SECONDLY_WAIT_SECONDS = 1.0
TEN_SECONDLY_WAIT_SECONDS = 10.0

#: Private apps, per tier: (calls per rolling 10 s per app, calls per day per account).
TIERS: dict[str, tuple[int, int]] = {
    "free": (100, 250_000),
    "starter": (100, 250_000),
    "professional": (190, 625_000),
    "enterprise": (190, 1_000_000),
    "api_limit_increase": (250, 2_000_000),
}


class Policy(StrEnum):
    """The HubSpot limit a 429 was about."""

    SECONDLY = "SECONDLY"
    TEN_SECONDLY = "TEN_SECONDLY_ROLLING"
    DAILY = "DAILY"


class DailyLimitReached(CrmRateLimited, Blocking):
    """The portal's daily allowance is spent: delivery holds its work, spending no attempts,
    until ``retry_after`` has passed; then one call finds out whether it has reset."""


def policy_of(name: str, message: str, rate: RateHeaders, *, search: bool) -> Policy:
    """The limit a 429 was about, from ``policyName``, else the message, headers, call kind."""
    for text in (name.upper(), message.upper()):
        if "DAILY" in text:
            return Policy.DAILY
        if "TEN_SECONDLY" in text:
            return Policy.TEN_SECONDLY
        if "SECONDLY" in text:
            return Policy.SECONDLY
    if rate.daily_remaining == 0:
        return Policy.DAILY
    if search or (rate.remaining is not None and rate.remaining > 0):
        # Search has only a per-second limit; a burst window with calls left was not the cause.
        return Policy.SECONDLY
    return Policy.TEN_SECONDLY


def rate_limited(
    message: str, policy: Policy, asked: float | None, now: datetime | None = None
) -> CrmRateLimited:
    """The error for a 429 about ``policy``; ``asked``: the ``Retry-After``, if any."""
    if policy is Policy.DAILY:
        return daily_pause(message, asked, now)
    if policy is Policy.SECONDLY:
        return CrmRateLimited(message, asked or SECONDLY_WAIT_SECONDS)
    return CrmRateLimited(message, asked or TEN_SECONDLY_WAIT_SECONDS)


def daily_pause(
    message: str,
    asked: float | None = None,
    now: datetime | None = None,
    *,
    state: str = "is used up",
) -> DailyLimitReached:
    """The pause after a daily 429 or a low allowance: ``asked`` seconds, else to the hour."""
    current = now or datetime.now(UTC)
    wait = asked or _to_next_hour(current)
    until = current + timedelta(seconds=wait)
    return DailyLimitReached(
        f"{message.rstrip('.')}. The portal's daily API allowance {state}: delivery "
        f"pauses until {until:%Y-%m-%d %H:%M:%S} UTC, then one call checks whether it has reset",
        wait,
    )


def _to_next_hour(moment: datetime) -> float:
    """Seconds to the next whole hour: the allowance resets at midnight in the portal's own
    time zone, which syncd does not know, and every such midnight falls on a whole hour in UTC
    for nearly every zone, so probing once an hour wastes at most 24 calls a day."""
    following = moment.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return (following - moment).total_seconds()
