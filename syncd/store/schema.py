"""The durable store's tables (SQLAlchemy Core), shared by SQLite and PostgreSQL.

Times are integer milliseconds since the epoch (UTC): portable, sortable and free of the
timezone handling differences between the two databases.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    literal_column,
)

metadata = MetaData()

#: Every response version a source gave us; ``planned_version`` trails ``version`` until the
#: plan stage has turned the newest version into outbox actions. ``needs_plan`` says the same as
#: one indexed flag, so finding the work costs the size of the work, not of the inbox.
inbox = Table(
    "inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("response_id", String(200), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("planned_version", BigInteger),
    Column("needs_plan", Boolean, nullable=False, server_default=false()),
    Column("score", Integer, nullable=False),
    Column("category", String(20), nullable=False),
    Column("email", String(320)),
    Column("submitted_ms", BigInteger, nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    UniqueConstraint("source", "response_id", name="uq_inbox_response"),
)
#: The plan stage's queue in answer order: read a batch from the front, never sort the inbox.
Index("ix_inbox_to_plan", inbox.c.needs_plan, inbox.c.submitted_ms, inbox.c.id)
#: A pruned payload is the empty text. Retention reads the oldest payloads still kept from here;
#: pruned rows leave the index, so each run costs what it prunes, not the inbox's age.
INBOX_PAYLOAD_KEPT = inbox.c.payload != literal_column("''")
Index(
    "ix_inbox_payload_kept",
    inbox.c.needs_plan,
    inbox.c.updated_ms,
    postgresql_where=INBOX_PAYLOAD_KEPT,
    sqlite_where=INBOX_PAYLOAD_KEPT,
)

#: One row per cursor: a source's listing watermark or a CRM's task-change watermark.
cursors = Table(
    "cursors",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("watermark_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
)

#: Actions waiting for, or done by, the deliver stage. ``key`` is the idempotency key
#: ``source:response_id:kind``; a later version of the response rewrites the payload of the same
#: row instead of adding one. ``attempts`` counts recorded CRM outcomes, never mere claims.
outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(400), nullable=False, unique=True),
    Column("crm", String(100), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("source", String(100), nullable=False),
    Column("response_id", String(200), nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("depends_on", String(400)),
    Column("payload", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_ms", BigInteger, nullable=False),
    Column("claimed_by", String(100)),
    Column("lease_until_ms", BigInteger),
    #: Bumped by every claim; a holder's outcome is recorded only if the count is still its own.
    Column("claims", Integer, nullable=False, default=0, server_default="0"),
    Column("last_error", Text),
    Column("result", String(200)),
    Column("created_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
)
#: A claim reads due rows in (due time, id) order straight from here and stops at its limit.
Index(
    "ix_outbox_due",
    outbox.c.crm,
    outbox.c.kind,
    outbox.c.status,
    outbox.c.next_attempt_ms,
    outbox.c.id,
)
#: Skipping the actions that wait on one that ended without success.
Index("ix_outbox_depends_on", outbox.c.depends_on)
#: Retention: actions by age (not led by status, which would lure the planner away from the
#: indexes above for status lookups), and every action of one response (is any still at work?).
Index("ix_outbox_updated", outbox.c.updated_ms)
Index("ix_outbox_response", outbox.c.source, outbox.c.response_id)

#: One closed-loop record per response: when it was answered, when its task was created, first
#: touched and closed, and who owns it. The report is computed from this table alone.
#: Clocks: ``response_ms`` is the survey tool's; ``seen_ms`` (first planned by syncd) and
#: ``task_created_ms`` are syncd's; ``first_touch_ms``, ``closed_ms`` and ``reopened_ms`` are the
#: CRM's. ``sla_start_ms`` is where the SLA clock starts: the answer, or ``seen_ms`` for a
#: backfilled answer. ``no_task_reason`` says why a matching rule's task was not created.
loops = Table(
    "loops",
    metadata,
    Column("source", String(100), primary_key=True),
    Column("response_id", String(200), primary_key=True),
    Column("crm", String(100), nullable=False),
    Column("category", String(20), nullable=False),
    Column("score", Integer, nullable=False),
    Column("rule", String(100)),
    Column("team", String(100)),
    Column("priority", String(20)),
    Column("email", String(320)),
    Column("contact_id", String(100)),
    Column("contact_owner_id", String(100)),
    Column("owner_id", String(100)),
    Column("owner_via", String(40)),
    Column("task_id", String(100)),
    Column("task_state", String(20)),
    Column("task_modified_ms", BigInteger),
    Column("response_ms", BigInteger, nullable=False),
    Column("due_ms", BigInteger),
    Column("task_created_ms", BigInteger),
    Column("first_touch_ms", BigInteger),
    Column("closed_ms", BigInteger),
    Column("updated_ms", BigInteger, nullable=False),
    Column("survey", String(200)),
    Column("seen_ms", BigInteger),
    Column("sla_start_ms", BigInteger),
    Column("reopened_ms", BigInteger),
    Column("no_task_reason", String(40)),
    #: When syncd escalated the overdue task (its clock), and how (``EscalationAction``).
    Column("escalated_ms", BigInteger),
    Column("escalation", String(20)),
    #: What closing the task achieved: the CRM's outcome field, or ``"note"`` when the owner
    #: changed the task's description; None: closed without an outcome (or not closed).
    Column("outcome", String(200)),
)
Index("ix_loops_task", loops.c.crm, loops.c.task_id)
#: The escalation stage reads the overdue, not yet escalated open loops from here.
#: Keyed on through (source, response_id) so its pages come in index order with no sort.
Index(
    "ix_loops_overdue",
    loops.c.crm,
    loops.c.escalated_ms,
    loops.c.closed_ms,
    loops.c.due_ms,
    loops.c.source,
    loops.c.response_id,
)
Index("ix_loops_owner_open", loops.c.owner_id, loops.c.closed_ms)
#: "Latest answer per contact wins" reads the newest linked answer per contact from this index.
Index("ix_loops_contact", loops.c.crm, loops.c.contact_id, loops.c.response_ms)
#: Rules with ``once_per_days`` look up a respondent's earlier asks by email.
Index("ix_loops_email", loops.c.crm, loops.c.email, loops.c.response_ms)
#: The overdue gauge reads open loops past their due time from here, at every scrape.
Index("ix_loops_open_due", loops.c.crm, loops.c.closed_ms, loops.c.due_ms)

#: Outgoing events (a detractor's loop closed), delivered at least once to ``[events] url``.
#: ``event_id`` is sent with every attempt so the receiver can drop repeats; one event per loop
#: and kind (``uq_events_loop``), so a loop reopened and closed again is not announced twice.
events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("source", String(100), nullable=False),
    Column("response_id", String(200), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_ms", BigInteger, nullable=False),
    Column("last_error", Text),
    Column("created_ms", BigInteger, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
    UniqueConstraint("source", "response_id", "kind", name="uq_events_loop"),
)
#: Sending reads due events in (status, due time) order from here.
Index("ix_events_due", events.c.status, events.c.next_attempt_ms, events.c.id)

#: Input that could not be processed, with a reason an admin can read, list and replay.
quarantine = Table(
    "quarantine",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(100), nullable=False),
    Column("response_id", String(200)),
    Column("stage", String(20), nullable=False),
    Column("reason_code", String(40), nullable=False),
    Column("reason", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("created_ms", BigInteger, nullable=False),
    Column("resolved_ms", BigInteger),
)
#: Retention: resolved items by age (unresolved ones, NULL here, are never pruned).
Index("ix_quarantine_resolved", quarantine.c.resolved_ms)

#: Time-limited ownership of per-source / per-CRM work when several replicas share a database.
leases = Table(
    "leases",
    metadata,
    Column("name", String(200), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("expires_ms", BigInteger, nullable=False),
)

#: The CRM's owners as last listed, so routing and the report can name people and teams.
owners = Table(
    "owners",
    metadata,
    Column("crm", String(100), primary_key=True),
    Column("id", String(100), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("name", String(200), nullable=False),
    Column("teams", Text, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
)

#: Facts about the store itself, one row per name: which CRM it serves (``crm_name``,
#: ``crm_kind``), recorded by the first daemon that starts against it.
store_meta = Table(
    "store_meta",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
)

#: Per round-robin pool (a team or a configured member list): the owner the last task went to,
#: so every replica continues the same rotation.
owner_rotation = Table(
    "owner_rotation",
    metadata,
    Column("crm", String(100), primary_key=True),
    Column("pool", String(200), primary_key=True),
    Column("owner_id", String(100), nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
)

#: Per contact: a digest of the NPS fields last written onto it, so an unchanged write is skipped.
contact_digests = Table(
    "contact_digests",
    metadata,
    Column("crm", String(100), primary_key=True),
    Column("contact_id", String(100), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("updated_ms", BigInteger, nullable=False),
)

#: Shared rate limits (PostgreSQL replicas): one row per budget, locked while a call is counted,
#: holding a pause every replica honours after a 429.
rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("bucket", String(200), primary_key=True),
    Column("paused_until_ms", BigInteger, nullable=False),
)
#: The calls of each budget within its window; older rows are deleted as the window slides.
rate_calls = Table(
    "rate_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("bucket", String(200), nullable=False),
    Column("at_ms", BigInteger, nullable=False),
)
Index("ix_rate_calls_bucket", rate_calls.c.bucket, rate_calls.c.at_ms)
