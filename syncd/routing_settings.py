"""``[routing]``: the rules that decide who follows up an answer, by when, and the calendars.

Models only; matching and due dates are ``syncd.routing``, owner strategies
``syncd.owner_routing``.
"""

from __future__ import annotations

import re
import string
from datetime import date, time

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from syncd.calendar_settings import CalendarSettings, ordered_hours, weekdays
from syncd.loop_settings import EscalationSettings
from syncd.model import NpsCategory, Priority

#: Fields a task subject/body template may use.
TEMPLATE_FIELDS = frozenset(
    {
        "score",
        "category",
        "comment",
        "email",
        "link",
        "survey",
        "source",
        "response_id",
        "submitted_at",
        "due_at",
        "rule",
        "team",
    }
)
OWNER_STRATEGIES = (
    "contact_owner",
    "company_owner",
    "team_contact_owner",
    "least_open",
    "round_robin",
)
#: Strategies that pick among a pool: the rule's ``members`` when listed, else its ``team``.
POOL_STRATEGIES = ("team_contact_owner", "least_open", "round_robin")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RoutingRule(_Strict):
    """One ``[[routing.rules]]`` entry. Rules are tried in order; the first match wins."""

    name: str = Field(min_length=1)
    categories: tuple[NpsCategory, ...] = tuple(NpsCategory)
    score_min: int = Field(0, ge=0, le=10)
    score_max: int = Field(10, ge=0, le=10)
    sources: tuple[str, ...] = ()
    surveys: tuple[str, ...] = ()
    comment_contains: tuple[str, ...] = ()
    #: A regular expression the comment must contain a match of (case-insensitive).
    comment_pattern: str | None = Field(None, min_length=1, max_length=500)
    properties: dict[str, str] = Field(default_factory=dict)
    create_task: bool = True
    team: str | None = None
    #: Owners (ids or emails) the pool strategies pick among instead of the team's members.
    members: tuple[str, ...] = ()
    owner: tuple[str, ...] = ("team_contact_owner", "least_open")
    priority: Priority = Priority.MEDIUM
    due_business_days: float = Field(3.0, gt=0)
    #: Due after this much working time instead (e.g. 4 for a four-hour SLA); needs a calendar
    #: with working_hours to mean office hours.
    due_business_hours: float | None = Field(None, gt=0)
    #: The ``[routing.calendars.<name>]`` the due time counts in; default: the routing's own.
    calendar: str | None = None
    #: Ask a respondent (by email) at most once per this many days under this rule; a later
    #: answer within the period updates the contact but gets no task (recorded as throttled).
    once_per_days: float | None = Field(None, gt=0)
    #: This rule's overdue escalation, instead of ``[routing.escalation]``.
    escalation: EscalationSettings | None = None
    subject: str = "NPS {score} ({category}) from {email}"
    body: str = "Score: {score}\nComment: {comment}\nResponse: {link}\nSubmitted: {submitted_at}"

    @field_validator("owner")
    @classmethod
    def _known_strategies(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for strategy in value:
            if strategy not in OWNER_STRATEGIES and not strategy.startswith("user:"):
                known = ", ".join((*OWNER_STRATEGIES, "user:<email or id>"))
                raise ValueError(f"unknown owner strategy {strategy!r}; use one of {known}")
        return value

    @field_validator("comment_pattern")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as error:
                raise ValueError(f"comment_pattern is not a regular expression: {error}") from error
        return value

    @field_validator("subject", "body")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        for _, name, _, _ in string.Formatter().parse(value):
            if name is not None and name not in TEMPLATE_FIELDS:
                known = ", ".join(sorted(TEMPLATE_FIELDS))
                raise ValueError(f"unknown template field {{{name}}}; use {known}")
        return value

    @model_validator(mode="after")
    def _coherent(self) -> RoutingRule:
        if self.score_min > self.score_max:
            raise ValueError("score_min is greater than score_max")
        if (
            self.create_task
            and self.team is None
            and not self.members
            and any(s in POOL_STRATEGIES for s in self.owner)
        ):
            raise ValueError(
                f"owner strategies {'/'.join(POOL_STRATEGIES)} need a team or a members list"
            )
        return self


def default_rules() -> tuple[RoutingRule, ...]:
    """Common practice: detractors to support fast, passives to CS, promoters to marketing."""
    return (
        RoutingRule(
            name="detractors-to-support",
            categories=(NpsCategory.DETRACTOR,),
            team="Support",
            priority=Priority.HIGH,
            due_business_days=1,
            subject="Detractor follow-up: NPS {score} from {email}",
        ),
        RoutingRule(
            name="passives-to-csm",
            categories=(NpsCategory.PASSIVE,),
            team="Customer Success",
            priority=Priority.MEDIUM,
            due_business_days=3,
            subject="Passive check-in: NPS {score} from {email}",
        ),
        RoutingRule(
            name="promoters-to-marketing",
            categories=(NpsCategory.PROMOTER,),
            team="Customer Marketing",
            priority=Priority.LOW,
            due_business_days=5,
            subject="Promoter: ask {email} for a referral or review (NPS {score})",
        ),
    )


class RoutingSettings(_Strict):
    """``[routing]``: rules plus the business calendar used for due dates."""

    rules: tuple[RoutingRule, ...] = Field(default_factory=default_rules)
    workdays: tuple[int, ...] = (0, 1, 2, 3, 4)
    holidays: tuple[date, ...] = ()
    #: Local opening and closing time of the default calendar; None: the whole working day.
    working_hours: tuple[time, time] | None = None
    #: One open follow-up per respondent and NPS category: a later answer while one is open is
    #: appended to that task instead of creating a second.
    merge_open_tasks: bool = False
    #: Named calendars (per team or region) a rule may count its due time in.
    calendars: dict[str, CalendarSettings] = Field(default_factory=dict)
    fallback_owner: str | None = None
    #: Answers older than this when syncd first sees them update the contact and are reported,
    #: but get no task (a first run backfilling a month must not flood owners with overdue work).
    max_task_age_days: float | None = Field(default=None, gt=0)
    #: Overdue loops of every rule without its own ``escalation``; None: never escalated.
    escalation: EscalationSettings | None = None

    _hours = field_validator("working_hours")(ordered_hours)
    _workdays = field_validator("workdays")(weekdays)

    @model_validator(mode="after")
    def _unique_names(self) -> RoutingSettings:
        names = [rule.name for rule in self.rules]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"rule names must be unique; repeated: {', '.join(duplicates)}")
        for rule in self.rules:
            if rule.calendar is not None and rule.calendar not in self.calendars:
                known = ", ".join(sorted(self.calendars)) or "none is defined"
                raise ValueError(
                    f"rule {rule.name}: unknown calendar {rule.calendar!r} ({known}); "
                    "define it as [routing.calendars.<name>]"
                )
        return self
