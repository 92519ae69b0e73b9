"""The portal's rate limits: the app's rolling 10-second burst, search's 5 per second, and the
account's daily allowance, with the 429 bodies and ``X-HubSpot-RateLimit-*`` headers HubSpot sends.

HubSpot's 429 names the limit hit in ``policyName`` (``TEN_SECONDLY_ROLLING``, ``SECONDLY`` for
search, ``DAILY``), but recorded real bodies also come without it, so the fake can send either
shape (``named_policies``). The daily allowance resets at midnight, here by the fake's business
clock in UTC; search answers carry no rate-limit headers
(https://developers.hubspot.com/docs/developer-tooling/platform/usage-guidelines).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from connectors.crm.hubspot.fake.errors import rate_limit_body
from connectors.crm.hubspot.fake.limits import DAILY, SECONDLY, TEN_SECONDLY, RollingWindow
from syncd.sandbox.http import Response


class DailyAllowance:
    """At most ``limit`` requests per calendar day of ``today``."""

    def __init__(self, limit: int, today: Callable[[], date]) -> None:
        self.limit = limit
        self._today = today
        self._day: date | None = None
        self.used = 0

    def admit(self) -> bool:
        day = self._today()
        if day != self._day:
            self._day, self.used = day, 0
        if self.used >= self.limit:
            return False
        self.used += 1
        return True

    def remaining(self) -> int:
        return max(self.limit - self.used, 0)


class Quota:
    """Admits a request or answers HubSpot's 429; stamps the rate-limit headers."""

    def __init__(
        self, ten_second_limit: int, daily_limit: int, clock: Callable[[], datetime]
    ) -> None:
        self.window = RollingWindow(ten_second_limit, 10.0)
        self.search = RollingWindow(5, 1.0)
        self.daily = DailyAllowance(daily_limit, lambda: clock().date())
        self.named_policies = True

    def lift(self, limit: int = 10**9) -> None:
        """Practically no burst, search or daily limit (a benchmark measures syncd, not these)."""
        self.window.limit = self.search.limit = self.daily.limit = limit

    def refuse(self, search: bool) -> Response | None:
        """None if admitted; else the 429 of the limit that was hit (daily first)."""
        if not self.daily.admit():
            return self.too_many(DAILY)
        if not (self.search if search else self.window).admit():
            return self.too_many(SECONDLY if search else TEN_SECONDLY)
        return None

    def too_many(self, policy: str) -> Response:
        body = rate_limit_body(policy)
        if not self.named_policies:
            body.pop("policyName")
        return Response(429, body)

    def headers(self) -> dict[str, str]:
        return {
            "X-HubSpot-RateLimit-Daily": str(self.daily.limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(self.daily.remaining()),
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": str(self.window.limit),
            "X-HubSpot-RateLimit-Remaining": str(self.window.remaining()),
        }
