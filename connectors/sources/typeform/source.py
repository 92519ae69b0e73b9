"""``TypeformSource``: every completed response of the configured forms in a window.

One listing per form (Typeform has no account-wide listing); the forms advance in step, the one
furthest behind first, so each page can say up to which second all of them are complete
(``SourcePage.through``). Responses show in the listing only ~30 minutes after submission, so
the source declares that lag (``visibility_lag``) and polling never reads closer to "now";
webhooks bring answers in real time meanwhile.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx

from connectors.sources.typeform import webhook
from connectors.sources.typeform.client import TypeformClient
from connectors.sources.typeform.listing import FormWalk
from connectors.sources.typeform.parse import Reading, parse_page
from connectors.sources.typeform.preflight import check_access
from connectors.sources.typeform.settings import TypeformSettings
from syncd.edge.limiter import LimiterFactory
from syncd.model import CheckResult, SourcePage


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TypeformSource:
    """Typeform responses as a ``SurveySource`` and a ``WebhookReceiver``."""

    Settings = TypeformSettings

    def __init__(
        self,
        name: str,
        settings: TypeformSettings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], datetime] = _utc_now,
        limiters: LimiterFactory | None = None,
    ) -> None:
        self.name = name
        self.max_window = timedelta(days=settings.max_window_days)
        self.visibility_lag = timedelta(seconds=settings.visibility_lag_seconds)
        self._settings = settings
        self._clock = clock
        self._reading = Reading(
            source=name,
            nps_ref=settings.nps_ref,
            comment_ref=settings.comment_ref,
            email_field=settings.email_hidden_field,
            external_id_field=settings.external_id_hidden_field,
        )
        self._client = TypeformClient(settings, transport=transport, sleep=sleep, limiters=limiters)

    def fetch(self, since: datetime, until: datetime) -> Iterator[SourcePage]:
        """Yield every response submitted in ``[since, until]`` (both inclusive)."""
        if since.tzinfo is None or until.tzinfo is None:
            raise ValueError("since and until must be timezone-aware")
        if since > until:
            raise ValueError(f"empty window: since {since} is after until {until}")
        start, end = math.floor(since.timestamp()), math.floor(until.timestamp())
        size = self._settings.page_size
        walks = [FormWalk(form, start, end, size) for form in dict.fromkeys(self._settings.forms)]
        while pending := [walk for walk in walks if not walk.done]:
            walk = min(pending, key=lambda candidate: candidate.progress)
            items = self._client.list_responses(walk.form, walk.params())
            walk.advance(items)
            page = parse_page(self._reading, walk.form, items, self._clock())
            through = min(walk.progress for walk in walks)
            yield SourcePage(
                page.responses,
                page.rejected,
                skipped=page.skipped,
                through=until if through >= end else datetime.fromtimestamp(through, UTC),
            )

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Whether ``body`` carries the ``Typeform-Signature`` of the configured secret."""
        secret = self._settings.webhook_secret
        return webhook.verify(secret.get_secret_value() if secret else None, headers, body)

    def parse_webhook(self, body: bytes) -> SourcePage:
        """The ``form_response`` of one verified delivery, as polling would have read it."""
        return webhook.parse(self._reading, self._settings.forms, body, self._clock())

    def check(self) -> Sequence[CheckResult]:
        """One authenticated request per form: the token, its scope and each form id work."""
        return check_access(self.name, self._client, self._settings.forms)

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()
