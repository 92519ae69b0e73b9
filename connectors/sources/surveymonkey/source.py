"""``SurveyMonkeySource``: every completed response of the configured surveys modified in a window.

One listing per survey by ``date_modified``; the surveys advance in step, the one furthest
behind first, so each page says up to which second all are complete (``SourcePage.through``).
Each survey's NPS question is read from its details once and kept; an answer naming a choice
the kept details lack reads them again, once per fetch. When the day's planned requests are
used up for now the fetch ends with a page that says how far it got: the pass ends early,
nothing is lost, and the next pass continues from the cursor.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta

import httpx
import structlog

from connectors.sources.surveymonkey import webhook
from connectors.sources.surveymonkey.budget import DailyBudget
from connectors.sources.surveymonkey.client import BudgetSpent, SurveyMonkeyClient
from connectors.sources.surveymonkey.details import NoNpsQuestion, NpsQuestion, nps_question
from connectors.sources.surveymonkey.listing import SurveyWalk
from connectors.sources.surveymonkey.parse import Reading, parse_page
from connectors.sources.surveymonkey.preflight import check_surveys
from connectors.sources.surveymonkey.settings import SurveyMonkeySettings
from syncd.edge.limiter import LimiterFactory, local_limiter
from syncd.edge.values import MAX_SKEW
from syncd.errors import SourceRejected, SourceUnavailable
from syncd.model import CheckResult, SourcePage

_log = structlog.get_logger(__name__)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SurveyMonkeySource:
    """SurveyMonkey responses as a ``SurveySource`` and a ``WebhookReceiver``."""

    Settings = SurveyMonkeySettings

    def __init__(
        self,
        name: str,
        settings: SurveyMonkeySettings,
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
        budget = DailyBudget(settings.daily_request_limit, settings.daily_reserve, clock=clock)
        self._client = SurveyMonkeyClient(
            settings, budget, transport=transport, sleep=sleep, limiters=limiters
        )
        self._questions: dict[str, NpsQuestion] = {}

    @property
    def budget(self) -> DailyBudget:
        """The day's request plan (for reports and tests)."""
        return self._client.budget

    def fetch(self, since: datetime, until: datetime) -> Iterator[SourcePage]:
        """Yield every completed response modified in ``[since, until]`` (both inclusive)."""
        if since.tzinfo is None or until.tzinfo is None:
            raise ValueError("since and until must be timezone-aware")
        if since > until:
            raise ValueError(f"empty window: since {since} is after until {until}")
        start, end = math.floor(since.timestamp()), math.floor(until.timestamp())
        size = self._settings.page_size
        walks = [SurveyWalk(s, start, end, size) for s in dict.fromkeys(self._settings.surveys)]
        refreshed: set[str] = set()
        while pending := [walk for walk in walks if not walk.done]:
            walk = min(pending, key=lambda candidate: candidate.progress)
            try:
                page = self._step(walk, refreshed)
            except BudgetSpent as spent:
                _log.info("surveymonkey.budget_paused", source=self.name, wait=spent.retry_after)
                yield SourcePage((), through=_moment(min(w.progress for w in walks), since))
                return
            through = min(w.progress for w in walks)
            yield SourcePage(
                page.responses,
                page.rejected,
                skipped=page.skipped,
                through=until if through >= end else _moment(through, since),
            )

    def _step(self, walk: SurveyWalk, refreshed: set[str]) -> SourcePage:
        question = self._question(walk.survey)
        body = self._client.responses(walk.survey, walk.params())
        items, has_next = _data(body)
        walk.advance(items, has_next)
        now = self._clock()
        kept = walk.within(items, math.floor((now + MAX_SKEW).timestamp()))
        reading = Reading(self.name, walk.survey, question, self._settings.external_id_variable)
        page, stale = parse_page(reading, kept, now)
        if stale and walk.survey not in refreshed:
            refreshed.add(walk.survey)
            self._questions.pop(walk.survey, None)  # the survey was edited: read it again
            reading = Reading(
                self.name, walk.survey, self._question(walk.survey), reading.external_id_variable
            )
            page, _ = parse_page(reading, kept, self._clock())
        return page

    def _question(self, survey: str, *, reserve_ok: bool = False) -> NpsQuestion:
        if survey not in self._questions:
            details = self._client.details(survey, reserve_ok=reserve_ok)
            try:
                self._questions[survey] = nps_question(
                    details, self._settings.nps_question_id, self._settings.comment_question_id
                )
            except NoNpsQuestion as error:
                raise SourceRejected(f"SurveyMonkey survey {survey}: {error}") from None
        return self._questions[survey]

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """Whether ``body`` carries the ``Sm-Signature`` of the app's key and secret."""
        key, secret = self._settings.webhook_api_key, self._settings.webhook_api_secret
        return webhook.verify(
            key.get_secret_value() if key else None,
            secret.get_secret_value() if secret else None,
            headers,
            body,
        )

    def parse_webhook(self, body: bytes) -> SourcePage:
        """An ids-only event: acknowledged and counted; polling reads the answer it names."""
        return webhook.parse(self.name, self._settings.surveys, body)

    def check(self) -> Sequence[CheckResult]:
        """Each survey's details (kept for polling): token, scope, survey id, NPS question."""
        return check_surveys(
            self.name, self._settings.surveys, lambda s: self._question(s, reserve_ok=True)
        )

    def close(self) -> None:
        """Release the HTTP connections."""
        self._client.close()


def _data(body: Mapping[str, object]) -> tuple[list[object], bool]:
    data, links = body.get("data"), body.get("links")
    if not isinstance(data, list):
        raise SourceUnavailable("SurveyMonkey answered 200 without a data list")
    has_next = isinstance(links, dict) and bool(links.get("next"))
    return data, has_next


def _moment(second: int, since: datetime) -> datetime:
    return max(datetime.fromtimestamp(second, UTC), since - timedelta(seconds=1))
