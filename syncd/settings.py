"""Typed configuration models. Loading (TOML, env overrides, secrets) lives in ``config_loader``."""

from __future__ import annotations

import re
import string
from datetime import date, time
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from syncd.calendar_settings import CalendarSettings, known_timezone, ordered_hours, weekdays
from syncd.contact_match import BY_EMAIL, MATCH_FORMS, ContactMatch, ContactMatchOption
from syncd.intake.mapping import FieldMapping
from syncd.loop_settings import EscalationSettings, EventSettings
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
#: The stores syncd ships drivers and migrations for.
_DRIVERS = frozenset({"sqlite", "sqlite+pysqlite", "postgresql", "postgresql+psycopg"})
SUPPORTED_DATABASES = (
    "syncd supports SQLite (sqlite:///path/to/syncd.db) and "
    "PostgreSQL (postgresql://user@host:5432/dbname)"
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DaemonSettings(_Strict):
    """``[daemon]``: where state lives and how often the loop runs."""

    data_dir: Path = Path("data")
    database_url: str | None = None
    interval_seconds: float = Field(60.0, gt=0)
    #: Stable across restarts (default: the host name) so a restart takes back its own leases.
    instance_id: str | None = Field(None, min_length=1, max_length=100)
    lease_seconds: float = Field(60.0, gt=0)
    stage_backoff_max_seconds: float = Field(300.0, gt=0)
    connect_timeout_seconds: float = Field(30.0, ge=0)
    timezone: str = "UTC"
    log_format: Literal["auto", "json", "console"] = "auto"
    log_level: Literal["debug", "info", "warning", "error"] = "info"

    _timezone = field_validator("timezone")(known_timezone)

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str | None) -> str | None:
        if value is None:
            return None
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"not a database URL; {SUPPORTED_DATABASES}") from None
        if url.drivername not in _DRIVERS:
            # Only the scheme is shown: the URL may carry a password.
            raise ValueError(f"unsupported database {url.drivername!r}; {SUPPORTED_DATABASES}")
        return value

    def resolved_database_url(self) -> str:
        """The configured store, or a SQLite file in ``data_dir`` when none is set."""
        return self.database_url or f"sqlite:///{self.data_dir / 'syncd.db'}"

    def sqlite_dir(self) -> Path | None:
        """The directory the SQLite store lives in; None for PostgreSQL or an in-memory store."""
        url = make_url(self.resolved_database_url())
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        return Path(url.database).parent


class HttpServerSettings(_Strict):
    """``[http]``: the one port serving probes and metrics (and what else the daemon mounts)."""

    enabled: bool = True
    #: All interfaces: a container's port is reached from outside its network namespace.
    host: str = "0.0.0.0"
    port: int = Field(8080, ge=0, le=65535)
    #: A larger request body is refused with 413 before it is read.
    max_body_bytes: int = Field(1_048_576, ge=1)
    threads: int = Field(4, ge=1, le=64)
    #: ``/healthz`` fails once the loop has not turned for 3 intervals plus this many seconds.
    liveness_grace_seconds: float = Field(120.0, gt=0)


class SourceSettings(BaseModel):
    """``[sources.<name>]``: core polling options; every other key belongs to the connector."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: str
    enabled: bool = True
    lag_seconds: float = Field(60.0, ge=0)
    overlap_seconds: float = Field(300.0, ge=0)
    initial_lookback_days: float = Field(30.0, gt=0)
    #: Bounds of one poll pass, whatever the source does (a listing that never ends, a server
    #: that answers at a crawl): the pass stops there, keeps what it stored, and the next pass
    #: continues from the cursor.
    max_pages_per_pass: int = Field(200, ge=1)
    max_pass_seconds: float = Field(300.0, gt=0)


class CrmSettings(BaseModel):
    """``[crm]``: which CRM and how respondents find their contact; other keys: the connector's."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: str
    name: str = "crm"
    #: Tried in order for each answer; the first identifier that finds a contact wins.
    match_contacts_by: tuple[ContactMatchOption, ...] = (BY_EMAIL,)
    #: A respondent no identifier finds: quarantine the answer, or create the contact (by email).
    unknown_contacts: Literal["quarantine", "create"] = "quarantine"
    #: With ``create``: only answers in these NPS categories create a contact.
    create_for: tuple[NpsCategory, ...] = tuple(NpsCategory)
    #: One note per answer on the contact's timeline, besides the latest-answer properties.
    history_notes: bool = False

    def creates_contacts_for(self) -> frozenset[NpsCategory]:
        """The categories whose unknown respondents get a new contact; empty: quarantine all."""
        return frozenset(self.create_for) if self.unknown_contacts == "create" else frozenset()

    @field_validator("match_contacts_by")
    @classmethod
    def _distinct_matches(cls, value: tuple[ContactMatch, ...]) -> tuple[ContactMatch, ...]:
        if not value:
            raise ValueError(f"list at least one way to find a contact: {MATCH_FORMS}")
        seen = [match.identifier for match in value]
        repeated = sorted({str(i) for i in seen if seen.count(i) > 1})
        if repeated:
            raise ValueError(f"each identifier may be listed once; repeated: {', '.join(repeated)}")
        return value


class DeliverySettings(_Strict):
    """``[delivery]``: batching, retries and leases of the deliver stage."""

    batch_size: int = Field(100, ge=1, le=1000)
    max_attempts: int = Field(8, ge=1)
    backoff_base_seconds: float = Field(5.0, gt=0)
    backoff_max_seconds: float = Field(900.0, gt=0)
    lease_seconds: float = Field(120.0, gt=0)
    #: A batch smaller than the CRM's batch limit waits (up to this long) to fill across passes.
    fill_wait_seconds: float = Field(0.0, ge=0)


class TrackingSettings(_Strict):
    """``[tracking]``: how task changes are read back from the CRM."""

    enabled: bool = True
    overlap_seconds: float = Field(300.0, ge=0)
    initial_lookback_days: float = Field(30.0, gt=0)
    #: Read task changes at most this often (0: every pass); each read costs a CRM search call.
    interval_seconds: float = Field(0.0, ge=0)


class RetentionSettings(_Strict):
    """``[retention]``: how long history is kept; loops are kept forever (they are the metrics)."""

    enabled: bool = True
    #: Answers' raw payloads once planned; the row (score, dedup) stays for the report.
    inbox_payload_days: float = Field(90.0, gt=0)
    #: Actions delivered (done), once nothing of their answer is still at work.
    outbox_days: float = Field(90.0, gt=0)
    #: Quarantined items an admin resolved (replayed or marked handled).
    quarantine_days: float = Field(90.0, gt=0)
    #: Dead letters, and the actions skipped because of them.
    dead_letter_days: float = Field(90.0, gt=0)
    #: Rows per statement; each batch commits, so the store is never held long.
    batch_size: int = Field(1000, ge=1, le=10_000)
    #: The daemon prunes at most this often (one replica at a time, under a lease).
    interval_seconds: float = Field(3600.0, gt=0)


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


class WebhookSettings(_Strict):
    """``[webhooks]``: the intake on ``/webhooks/<source name>`` of the daemon's HTTP port."""

    #: Larger bodies are refused with 413 before they are verified or parsed.
    max_body_bytes: int = Field(1024 * 1024, ge=1024, le=64 * 1024 * 1024)


class Settings(_Strict):
    """The whole configuration file."""

    daemon: DaemonSettings = DaemonSettings()
    http: HttpServerSettings = HttpServerSettings()
    sources: dict[str, SourceSettings] = Field(min_length=1)
    crm: CrmSettings
    delivery: DeliverySettings = DeliverySettings()
    tracking: TrackingSettings = TrackingSettings()
    routing: RoutingSettings = RoutingSettings()
    retention: RetentionSettings = RetentionSettings()
    webhooks: WebhookSettings = WebhookSettings()
    #: ``[imports.<source name>]``: the CSV columns ``syncd import --source <name>`` reads.
    imports: dict[str, FieldMapping] = Field(default_factory=dict)
    events: EventSettings = EventSettings()
