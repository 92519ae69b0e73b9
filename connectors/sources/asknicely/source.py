"""``AskNicelySource``: every answer given in a window, re-read over a lookback for changes.

AskNicely's listing filters on when an answer was given, never on when it changed, so each fetch
reads ``[since - lookback_days, until]`` and ``ChangeLedger`` tells changed answers from repeats
by their score and comment. The listing asks for ``since_time - 1`` and ``end_time + 1``, because
whether AskNicely's bounds include their second is not documented, and drops rows answered after
``until`` itself: they belong to the next window.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx

from connectors.sources.asknicely.changes import ChangeLedger
from connectors.sources.asknicely.client import AskNicelyClient, ListingPath
from connectors.sources.asknicely.listing import Walk, envelope_rows, responded_second, total_pages
from connectors.sources.asknicely.parse import RowReader, Skipped, reject
from connectors.sources.asknicely.settings import AskNicelySettings
from connectors.sources.asknicely.webhook import delivery, secret_matches
from syncd.edge.limiter import LimiterFactory, local_limiter
from syncd.edge.values import MAX_SKEW
from syncd.errors import SourceError
from syncd.model import CheckResult, Rejected, SourcePage, SurveyResponse


def _utc_now() -> datetime:
    return datetime.now(UTC)


def _later(row: object, end: int, now: datetime) -> bool:
    """Whether ``row`` was answered after the window but not in the future: the next window's.

    A time further ahead is broken, and goes to the reader to be rejected, never dropped unseen.
    """
    second = responded_second(row)
    return second is not None and end < second <= now.timestamp() + MAX_SKEW.total_seconds()


class AskNicelySource:
    """AskNicely answers as a ``SurveySource`` and a ``WebhookReceiver``."""

    Settings = AskNicelySettings

    def __init__(
        self,
        name: str,
        settings: AskNicelySettings,
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
        self._lookback = timedelta(days=settings.lookback_days)
        self._client = AskNicelyClient(
            settings, transport=transport, sleep=sleep, limiters=limiters
        )
        self._reader = RowReader(name, settings.question_types, settings.external_id_field)
        self._ledger = ChangeLedger()

    def fetch(self, since: datetime, until: datetime) -> Iterator[SourcePage]:
        """Yield every answer given in ``[since, until]`` or changed within the lookback."""
        if since.tzinfo is None or until.tzinfo is None:
            raise ValueError("since and until must be timezone-aware")
        if since > until:
            raise ValueError(f"empty window: since {since} is after until {until}")
        start, end = math.floor(since.timestamp()), math.floor(until.timestamp())
        scan_from = math.floor((since - self._lookback).timestamp())
        self._ledger.forget_before(since - self._lookback - self.max_window)
        settings = self._settings
        walk = Walk(scan_from, end, settings.page_size, settings.max_pages)
        while not walk.done:
            envelope = self._client.envelope(
                ListingPath(settings.page_size, walk.page, scan_from - 1, end + 1)
            )
            rows = envelope_rows(envelope)
            walk.advance(rows, total_pages(envelope))
            now = self._clock()
            page = self._page([row for row in rows if not _later(row, end, now)], now)
            through = until if walk.progress >= end else None
            if through is None and walk.progress >= start:
                through = datetime.fromtimestamp(walk.progress, UTC)
            yield SourcePage(page.responses, page.rejected, skipped=page.skipped, through=through)

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Whether the delivery carries the configured secret header (constant time)."""
        secret = self._settings.webhook_secret
        value = secret.get_secret_value() if secret is not None else None
        return secret_matches(headers, self._settings.webhook_header, value)

    def parse_webhook(self, body: bytes) -> SourcePage:
        """The answer in one verified delivery; a ``count`` above 1 marks it changed."""
        row, count = delivery(body)
        if not isinstance(row, dict) or "response_id" not in row:
            return SourcePage((), (reject(self.name, row, "not an AskNicely webhook delivery"),))
        return self._page([row], self._clock(), changed=count > 1)

    def check(self) -> Sequence[CheckResult]:
        """One authenticated request for at most one answer: the key and the host work."""
        what = f"source {self.name} api key and responses"
        now = math.floor(self._clock().timestamp())
        try:
            self._client.envelope(ListingPath(1, 1, now - 86_400, now))
        except SourceError as error:
            return [
                CheckResult(
                    what, False, f"{error}: check [sources.{self.name}] api_key and base_url"
                )
            ]
        return [CheckResult(what, True, "readable")]

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()

    def _page(self, rows: Sequence[object], now: datetime, *, changed: bool = False) -> SourcePage:
        responses: list[SurveyResponse] = []
        rejected: list[Rejected] = []
        skipped = 0
        for outcome in self._reader.read_all(rows, now):
            if isinstance(outcome, SurveyResponse):
                responses.append(self._ledger.versioned(outcome, now, changed=changed))
            elif isinstance(outcome, Skipped):
                skipped += 1
            else:
                rejected.append(outcome)
        return SourcePage(tuple(responses), tuple(rejected), skipped=skipped)
