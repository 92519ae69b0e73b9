"""Typed configuration models. Loading (TOML, env overrides, secrets) lives in ``config_loader``."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from syncd.calendar_settings import known_timezone
from syncd.contact_match import BY_EMAIL, MATCH_FORMS, ContactMatch, ContactMatchOption
from syncd.intake.mapping import FieldMapping
from syncd.loop_settings import EventSettings
from syncd.model import NpsCategory
from syncd.routing_settings import RoutingSettings

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
    #: Every answer is read again once it is this old, for those the source shows late.
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

    batch_size: int = Field(500, ge=1, le=1000)
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
    #: Read task changes at most this often (0: every pass); each read costs a CRM search call,
    #: so the default (every other pass at the default interval) keeps a steady stream near three
    #: HubSpot calls per 100 answers; a loop closes at most this much later than its task.
    interval_seconds: float = Field(120.0, ge=0)


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


class WebhookSettings(_Strict):
    """``[webhooks]``: the intake on ``/webhooks/<source name>`` of the daemon's HTTP port."""

    #: Larger bodies are refused with 413 before they are verified or parsed.
    max_body_bytes: int = Field(1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    #: A pushed answer wakes the resting daemon, which gathers the answers pushed within this
    #: long and delivers them together: a steady stream shares CRM calls instead of spending
    #: three calls an answer. 0 delivers each delivery at once.
    batch_seconds: float = Field(1.0, ge=0, le=60)


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
