"""``JsonHookSource``: answers pushed as JSON by any tool, read through a configured mapping.

Push only: there is nothing to poll, so ``fetch`` yields nothing and the poll stage merely moves
its cursor. Deliveries arrive on ``/webhooks/<name>``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from connectors.sources.jsonhook.settings import JsonHookSettings
from connectors.sources.jsonhook.verify import delivery_verified
from syncd.edge.limiter import LimiterFactory, local_limiter
from syncd.intake.mapping import map_record, value_at
from syncd.model import CheckResult, Rejected, SourcePage, SurveyResponse


def _utc_now() -> datetime:
    return datetime.now(UTC)


class JsonHookSource:
    """A push-only ``SurveySource`` and ``WebhookReceiver`` over a field mapping."""

    Settings = JsonHookSettings
    #: Nothing is listed, so one window covers any span.
    max_window = timedelta(days=3650)

    def __init__(
        self,
        name: str,
        settings: JsonHookSettings,
        *,
        clock: Callable[[], datetime] = _utc_now,
        limiters: LimiterFactory = local_limiter,
    ) -> None:
        # ``limiters`` is taken like every source's: nothing here calls the tool, so none is made.
        self.name = name
        self._settings = settings
        self._clock = clock

    def fetch(self, since: datetime, until: datetime) -> Iterator[SourcePage]:
        """Nothing: answers only arrive pushed."""
        return iter(())

    def check(self) -> Sequence[CheckResult]:
        """Nothing to reach; says where deliveries are taken."""
        return [CheckResult(f"source {self.name}", True, f"push only: /webhooks/{self.name}")]

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> bool:
        """The configured shared secret or HMAC signature holds."""
        return delivery_verified(self._settings, headers, body)

    def parse_webhook(self, body: bytes) -> SourcePage:
        """Every answer of the delivery (``ValueError``: not JSON, or no list where configured)."""
        try:
            document: object = json.loads(body)
        except (ValueError, RecursionError) as error:
            raise ValueError(f"body is not JSON ({type(error).__name__})") from None
        records = self._records(document)
        now = self._clock()
        outcomes = [self._answer(record, now) for record in records]
        responses = [item for item in outcomes if isinstance(item, SurveyResponse)]
        rejected = [item for item in outcomes if isinstance(item, Rejected)]
        return SourcePage(tuple(responses), tuple(rejected))

    def close(self) -> None:
        """Nothing to release."""

    def _records(self, document: object) -> list[object]:
        found = (
            document if self._settings.items is None else value_at(document, self._settings.items)
        )
        if isinstance(found, list):
            return found
        if self._settings.items is None and isinstance(found, dict):
            return [found]
        where = self._settings.items or "the body"
        raise ValueError(f"{where} is not a list of answers")

    def _answer(self, record: object, now: datetime) -> SurveyResponse | Rejected:
        outcome = map_record(self.name, record, self._settings.fields, now)
        if isinstance(outcome, SurveyResponse) and outcome.survey is None and self._settings.survey:
            return replace(outcome, survey=self._settings.survey)
        return outcome
