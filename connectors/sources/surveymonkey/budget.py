"""Planning SurveyMonkey's daily request allowance so that polling never runs into it.

Private and draft apps get 500 requests a day, reset at 00:00 GMT [SurveyMonkey/public_api_docs
includes/_overview.md "Request and Response Limits"]. The plan needs no store: requests are
spread across the day as a token bucket refilled at ``(limit - reserve) / 86400`` per second
holding at most an hour's share, so a busy morning cannot spend the evening's requests; and
every answer's ``X-Ratelimit-App-Global-Day-Remaining`` corrects the count, because the vendor's
counter is the one truth that survives restarts and is shared by every replica and tool using
the app.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from syncd.edge.retry_after import header

DAY = 86_400.0
REMAINING = "x-ratelimit-app-global-day-remaining"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DailyBudget:
    """Requests allowed now, out of ``limit`` a day of which ``reserve`` is never planned."""

    def __init__(
        self, limit: int, reserve: int, *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self.limit, self.reserve = limit, reserve
        usable = limit - reserve
        self.rate = usable / DAY
        self.capacity = max(1.0, math.ceil(usable / 24))
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens = self.capacity
        self._at = clock()
        self._day = self._at.date()
        self.spent_today = 0

    def wait(self, *, reserve_ok: bool = False) -> float:
        """0 after counting one request; else the seconds until one is allowed (none counted).

        ``reserve_ok`` lets an operator's check use the reserve, never the pacing.
        """
        with self._lock:
            self._refill()
            cap = self.limit if reserve_ok else self.limit - self.reserve
            if self.spent_today >= cap:
                return self._until_midnight()
            if self._tokens < 1 and not reserve_ok:
                return (1 - self._tokens) / self.rate
            self._tokens = max(0.0, self._tokens - 1)
            self.spent_today += 1
            return 0.0

    def observe(self, headers: object) -> None:
        """Take the vendor's count of what is left today, when an answer carries it."""
        text = (header(headers, REMAINING) or "").strip()
        if not text.isdigit() or len(text) > 9:
            return
        with self._lock:
            self._refill()
            self.spent_today = max(self.spent_today, self.limit - int(text))
            self._tokens = min(self._tokens, max(0.0, int(text) - self.reserve))

    def _refill(self) -> None:
        now = self._clock()
        if now.date() != self._day:
            self._day, self.spent_today = now.date(), 0
        elapsed = max(0.0, (now - self._at).total_seconds())
        self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
        self._at = now

    def _until_midnight(self) -> float:
        now = self._clock()
        midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
        return (midnight - now).total_seconds()
