"""Promoter asks (or any rule's task) throttled: one ask per contact per period under a rule.

A rule with ``once_per_days`` creates its task for a respondent only when no earlier answer of
theirs got a task from that rule within the period. A skipped answer still updates the contact;
its loop records ``no_task_reason = "throttled"`` so the report can show what was held back.
Respondents are recognised by email (the identifier every loop keeps).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection

from syncd.clock import to_ms
from syncd.model import ResponseKey, SurveyResponse
from syncd.routing import RoutingDecision
from syncd.routing_settings import RoutingSettings
from syncd.store import loops

DAY_MS = 86_400_000


class Throttle:
    """Decides, for one plan batch, which answers a throttled rule must not ask again."""

    def __init__(
        self,
        conn: Connection,
        crm: str,
        routing: RoutingSettings,
        planned: Sequence[tuple[SurveyResponse, RoutingDecision]],
    ) -> None:
        self._periods = {
            rule.name: int(rule.once_per_days * DAY_MS)
            for rule in routing.rules
            if rule.once_per_days is not None
        }
        #: (email, rule) -> the answers already asked: (answer time, answer key).
        self._asked: dict[tuple[str, str], list[tuple[int, ResponseKey]]] = defaultdict(list)
        candidates = [(r, d) for r, d in planned if self._applies(r, d)]
        if candidates:
            emails = {r.email for r, _ in candidates if r.email}
            rules = {d.rule for _, d in candidates if d.rule}
            since = min(to_ms(r.submitted_at) for r, _ in candidates) - max(self._periods.values())
            for asked in loops.tasks_asked(conn, crm, emails, rules, since):
                self._asked[(asked.email, asked.rule)].append((asked.response_ms, asked.key))

    def allows(self, response: SurveyResponse, decision: RoutingDecision) -> bool:
        """False when the rule asked this respondent within its period before this answer.

        An answer allowed here counts for the later answers of the same batch.
        """
        if not self._applies(response, decision):
            return True
        assert response.email is not None and decision.rule is not None  # by _applies
        at = to_ms(response.submitted_at)
        asked = self._asked[(response.email, decision.rule)]
        period = self._periods[decision.rule]
        if any(when <= at < when + period and key != response.key for when, key in asked):
            return False
        asked.append((at, response.key))
        return True

    def _applies(self, response: SurveyResponse, decision: RoutingDecision) -> bool:
        return decision.task is not None and decision.rule in self._periods and bool(response.email)
