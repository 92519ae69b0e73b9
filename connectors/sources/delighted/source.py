"""``DelightedSource``: every survey response created or updated in a window.

Two listings per window, because whether ``updated_since`` matches never-updated responses
(``updated_at: null``) is unconfirmed: a created listing (``since``/``until``) and an updated
listing (``updated_since``/``updated_until``). Duplicates between them are fine; the poll stage
dedupes. The listings advance in step, the one that is further behind first, so that each page
can say up to which second both are complete (``SourcePage.through``): a pass cut short by its
bounds then still moves the cursor as far as the data read allows, and the next pass continues.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx

from connectors.sources.delighted.client import DelightedClient
from connectors.sources.delighted.listing import CREATED, UPDATED, Walk
from connectors.sources.delighted.parse import parse_page
from connectors.sources.delighted.preflight import check_access
from connectors.sources.delighted.settings import DelightedSettings
from connectors.sources.delighted.webhook import parse_delivery, signature_valid
from syncd.edge.limiter import LimiterFactory, local_limiter
from syncd.model import CheckResult, SourcePage


def _utc_now() -> datetime:
    return datetime.now(UTC)


class DelightedSource:
    """Delighted survey responses as a ``SurveySource`` that also takes webhook deliveries."""

    Settings = DelightedSettings

    def __init__(
        self,
        name: str,
        settings: DelightedSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _utc_now,
        limiters: LimiterFactory = local_limiter,
    ) -> None:
        self.name = name
        self.max_window = timedelta(days=settings.max_window_days)
        self._settings = settings
        self._clock = clock
        self._client = DelightedClient(
            settings, transport=transport, sleep=sleep, limiters=limiters
        )

    def fetch(self, since: datetime, until: datetime) -> Iterator[SourcePage]:
        """Yield every response created or updated in ``[since, until]`` (both inclusive)."""
        if since.tzinfo is None or until.tzinfo is None:
            raise ValueError("since and until must be timezone-aware")
        if since > until:
            raise ValueError(f"empty window: since {since} is after until {until}")
        # Delighted filters on whole seconds, inclusively; flooring both ends keeps every
        # record whose second lies in the window (and at most one extra second at the start).
        start, end = math.floor(since.timestamp()), math.floor(until.timestamp())
        per_page = self._settings.page_size
        walks = [Walk(listing, start, end, per_page) for listing in (CREATED, UPDATED)]
        while pending := [walk for walk in walks if not walk.done]:
            walk = min(pending, key=lambda candidate: candidate.progress)
            items = self._client.list_responses(walk.params())
            walk.advance(items)
            page = parse_page(self.name, items, self._settings.survey_types, self._clock())
            through = min(walk.progress for walk in walks)
            yield SourcePage(
                page.responses,
                page.rejected,
                skipped=page.skipped,
                through=until if through >= end else datetime.fromtimestamp(through, UTC),
            )

    def check(self) -> Sequence[CheckResult]:
        """One authenticated request: the API key and the base URL work."""
        return check_access(self.name, self._client)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """The delivery's HMAC-SHA256 signature, keyed with the project's API key, matches."""
        return signature_valid(headers, body, self._settings.api_key.get_secret_value())

    def parse_webhook(self, body: bytes) -> SourcePage:
        """The response one verified delivery carries (``ValueError``: not a Delighted event)."""
        return parse_delivery(self.name, body, self._settings.survey_types, self._clock())

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()
