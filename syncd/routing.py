"""Routing: which rule a response matches, the task it asks for, and who should own it.

Pure functions over settings and model values, so every decision can be unit-tested. Owner
strategies live in ``syncd.owner_routing``; their entry points are re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from syncd.business_time import Calendar
from syncd.model import Owner, Priority, SurveyResponse
from syncd.owner_routing import OwnerChoice, OwnerFacts, choose_owner, find, in_team
from syncd.routing_settings import RoutingRule, RoutingSettings

__all__ = [
    "OwnerChoice",
    "OwnerFacts",
    "RoutingDecision",
    "TaskPlan",
    "choose_owner",
    "route",
]


@dataclass(frozen=True, slots=True)
class TaskPlan:
    """The task a rule asks for; the owner is picked at delivery, when the contact is known."""

    rule: str
    team: str | None
    owner_chain: tuple[str, ...]
    priority: Priority
    due_at: datetime
    subject: str
    body: str


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """The rule a response matched (None: no rule), its team, and the task it asks for."""

    rule: str | None
    team: str | None
    task: TaskPlan | None


def route(
    response: SurveyResponse,
    settings: RoutingSettings,
    tz: ZoneInfo,
    clock_start: datetime | None = None,
) -> RoutingDecision:
    """Apply the first matching rule; no match means fields only, no task.

    The due time counts from ``clock_start`` (default: the answer's time).
    """
    rule = next((r for r in settings.rules if matches(r, response)), None)
    if rule is None:
        return RoutingDecision(None, None, None)
    if not rule.create_task:
        return RoutingDecision(rule.name, rule.team, None)
    start = clock_start or response.submitted_at
    due = due_at(rule, start, settings, tz)
    fields = template_fields(response, rule, due)
    plan = TaskPlan(
        rule=rule.name,
        team=rule.team,
        owner_chain=rule.owner,
        priority=rule.priority,
        due_at=due,
        subject=rule.subject.format_map(fields)[:250],
        body=rule.body.format_map(fields),
    )
    return RoutingDecision(rule.name, rule.team, plan)


def matches(rule: RoutingRule, response: SurveyResponse) -> bool:
    """True when the response meets every condition the rule sets; unset ones always hold."""
    comment = (response.comment or "").casefold()
    return (
        response.category in rule.categories
        and rule.score_min <= response.score <= rule.score_max
        and (not rule.sources or response.source in rule.sources)
        and (not rule.surveys or response.survey in rule.surveys)
        and (
            not rule.comment_contains or any(w.casefold() in comment for w in rule.comment_contains)
        )
        and (rule.comment_pattern is None or comment_matches(rule.comment_pattern, response))
        and all(response.properties.get(k) == v for k, v in rule.properties.items())
    )


def comment_matches(pattern: str, response: SurveyResponse) -> bool:
    """Whether the response's comment holds a match of ``pattern`` (case-insensitive)."""
    return re.search(pattern, response.comment or "", re.IGNORECASE) is not None


def template_fields(response: SurveyResponse, rule: RoutingRule, due: datetime) -> dict[str, str]:
    """The values a subject or body template may name, blanks spelled out for the reader."""
    return {
        "score": str(response.score),
        "category": response.category.value,
        "comment": response.comment or "(no comment)",
        "email": response.email or response.external_id or "(unknown respondent)",
        "link": response.link or "",
        "survey": response.survey or "",
        "source": response.source,
        "response_id": response.response_id,
        "submitted_at": response.submitted_at.isoformat(timespec="minutes"),
        "due_at": due.isoformat(timespec="minutes"),
        "rule": rule.name,
        "team": rule.team or "",
    }


def calendar_of(rule: RoutingRule | None, settings: RoutingSettings, tz: ZoneInfo) -> Calendar:
    """The calendar ``rule``'s due time counts in: its named one, else the routing's own."""
    named = settings.calendars.get(rule.calendar) if rule and rule.calendar else None
    if named is None:
        return Calendar(
            tz, frozenset(settings.workdays), frozenset(settings.holidays), settings.working_hours
        )
    zone = ZoneInfo(named.timezone) if named.timezone else tz
    return Calendar(zone, frozenset(named.workdays), frozenset(named.holidays), named.working_hours)


def due_at(rule: RoutingRule, start: datetime, settings: RoutingSettings, tz: ZoneInfo) -> datetime:
    """When a task of ``rule`` for an answer at ``start`` is due, in business time."""
    calendar = calendar_of(rule, settings, tz)
    if rule.due_business_hours is not None:
        return calendar.add_hours(start, rule.due_business_hours)
    return calendar.add_days(start, rule.due_business_days)


def add_business_days(
    start: datetime, days: float, calendar: RoutingSettings, tz: ZoneInfo
) -> datetime:
    """``start`` plus ``days`` working days of the routing's own calendar in ``tz``.

    Weekends (non-``workdays``) and ``holidays`` are skipped and the time of day is kept; see
    ``Calendar.add_days`` for fractions and working hours.
    """
    return calendar_of(None, calendar, tz).add_days(start, days)


@dataclass(frozen=True, slots=True)
class TeamProblem:
    """A rule that creates tasks for a team no active owner belongs to."""

    rule: str
    team: str

    def __str__(self) -> str:
        return (
            f"routing rule {self.rule!r} names team {self.team!r}, which no active CRM owner "
            "belongs to: its tasks would all go to the fallback owner; correct the team name "
            "or add owners to that team in the CRM"
        )


def unknown_teams(rules: Sequence[RoutingRule], owners: Sequence[Owner]) -> list[TeamProblem]:
    """Task-creating rules whose team has no active member (compared as routing compares)."""
    active = [owner for owner in owners if owner.active]
    return [
        TeamProblem(rule.name, rule.team)
        for rule in rules
        if rule.create_task
        and rule.team is not None
        and not any(in_team(owner, rule.team) for owner in active)
    ]


@dataclass(frozen=True, slots=True)
class MemberProblem:
    """A rule whose ``members`` names people who are not active owners (never assigned)."""

    rule: str
    missing: tuple[str, ...]

    def __str__(self) -> str:
        return (
            f"routing rule {self.rule!r} lists members who are not active CRM owners "
            f"({', '.join(self.missing)[:200]}): they are never assigned; correct the emails "
            "or ids, or remove people who left"
        )


def unknown_members(rules: Sequence[RoutingRule], owners: Sequence[Owner]) -> list[MemberProblem]:
    """Task-creating rules listing members that no active owner matches (by id or email)."""
    active = [owner for owner in owners if owner.active]
    problems = []
    for rule in rules:
        missing = tuple(m for m in rule.members if find(active, m) is None)
        if rule.create_task and missing:
            problems.append(MemberProblem(rule.name, missing))
    return problems


def fallback_missing(fallback: str | None, owners: Sequence[Owner]) -> bool:
    """True when a fallback owner is configured but is not an active owner."""
    active = [owner for owner in owners if owner.active]
    return fallback is not None and find(active, fallback) is None
