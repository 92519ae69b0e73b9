"""``WootricSource``: every response created in a window, re-read over a lookback for edits.

Wootric filters responses on creation only [singer-io/tap-wootric README.md], so each fetch lists
``[since - lookback_days, until]`` by ``created_at``; an edit within the lookback shows as a later
``updated_at`` and so a newer version. With ``updated_filter`` on, an ``updated[gt]`` listing of
the window itself runs beside it (the two advance in step, the one further behind first, so
each page can say how far both are complete).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx

from connectors.sources.wootric.client import WootricClient
from connectors.sources.wootric.listing import CREATED, UPDATED, Walk
from connectors.sources.wootric.parse import ResponseReader, reject
from connectors.sources.wootric.settings import WootricSettings
from connectors.sources.wootric.users import EndUsers
from connectors.sources.wootric.webhook import pushed, signature_valid
from syncd.edge.limiter import LimiterFactory, local_limiter
from syncd.errors import SourceError, SourceUnavailable
from syncd.model import CheckResult, Rejected, SourcePage, SurveyResponse


def _utc_now() -> datetime:
    return datetime.now(UTC)


class WootricSource:
    """Wootric responses as a ``SurveySource`` and a ``WebhookReceiver``."""

    Settings = WootricSettings

    def __init__(
        self,
        name: str,
        settings: WootricSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        limiters: LimiterFactory = local_limiter,
    ) -> None:
        self.name = name
        self.max_window = timedelta(days=settings.max_window_days)
        self._settings = settings
        self._clock = clock
        self._client = WootricClient(
            settings, transport=transport, sleep=sleep, monotonic=monotonic, limiters=limiters
        )
        self._users = EndUsers(self._client, settings.end_user_cache_size)
        self._reader = ResponseReader(name)

    def fetch(self, since: datetime, until: datetime) -> Iterator[SourcePage]:
        """Yield every response created in ``[since, until]`` or edited within the lookback."""
        if since.tzinfo is None or until.tzinfo is None:
            raise ValueError("since and until must be timezone-aware")
        if since > until:
            raise ValueError(f"empty window: since {since} is after until {until}")
        start, end = math.floor(since.timestamp()), math.floor(until.timestamp())
        lookback = timedelta(days=self._settings.lookback_days)
        size = self._settings.page_size
        walks = [Walk(CREATED, math.floor((since - lookback).timestamp()), end, size)]
        if self._settings.updated_filter:
            walks.append(Walk(UPDATED, start, end, size))
        for _ in range(self._settings.max_pages):
            pending = [walk for walk in walks if not walk.done]
            if not pending:
                return
            walk = min(pending, key=lambda candidate: candidate.progress)
            items = self._client.get("responses", walk.params())
            if not isinstance(items, list):
                raise SourceUnavailable(
                    f"Wootric answered a JSON {type(items).__name__}, not a list"
                )
            walk.advance(items)
            page = self._page(self._users.complete(items))
            progress = min(walk.progress for walk in walks)
            through = until if progress >= end else None
            if through is None and progress >= start:
                through = datetime.fromtimestamp(progress, UTC)
            yield (
                page
                if through is None
                else SourcePage(page.responses, page.rejected, through=through)
            )

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Whether ``X-Wootric-Signature`` is the HMAC-SHA1 of the raw body (constant time)."""
        secret = self._settings.webhook_secret
        return signature_valid(headers, body, secret.get_secret_value() if secret else None)

    def parse_webhook(self, body: bytes) -> SourcePage:
        """The response in one verified delivery; a decline (no answer given) is skipped."""
        kind, item = pushed(body)
        if kind == "decline":
            return SourcePage((), skipped=1)
        if kind != "response":
            return SourcePage((), (reject(self.name, item, "not a Wootric webhook delivery"),))
        return self._page([item])

    def check(self) -> Sequence[CheckResult]:
        """A token and one page of one response: the credentials and the base URL work."""
        what = f"source {self.name} client credentials and responses"
        try:
            self._client.get("responses", {"per_page": 1, "page": 1})
        except SourceError as error:
            hint = f"check [sources.{self.name}] client_id, client_secret and base_url"
            return [CheckResult(what, False, f"{error}: {hint}")]
        return [CheckResult(what, True, "readable")]

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()

    def _page(self, items: Sequence[object]) -> SourcePage:
        now = self._clock()
        responses: list[SurveyResponse] = []
        rejected: list[Rejected] = []
        for item in items:
            outcome = self._reader.read(item, now)
            if isinstance(outcome, SurveyResponse):
                responses.append(outcome)
            else:
                rejected.append(outcome)
        return SourcePage(tuple(responses), tuple(rejected))
