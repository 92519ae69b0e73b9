"""Initial schema: inbox, cursors, outbox, loops, quarantine, leases, owners.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ms = sa.BigInteger


def upgrade() -> None:
    """Create every table of the first schema."""
    op.create_table(
        "inbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("response_id", sa.String(200), nullable=False),
        sa.Column("version", ms, nullable=False),
        sa.Column("planned_version", ms),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("submitted_ms", ms, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("received_ms", ms, nullable=False),
        sa.Column("updated_ms", ms, nullable=False),
        sa.UniqueConstraint("source", "response_id", name="uq_inbox_response"),
    )
    op.create_index("ix_inbox_unplanned", "inbox", ["planned_version", "version"])
    op.create_table(
        "cursors",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("watermark_ms", ms, nullable=False),
        sa.Column("updated_ms", ms, nullable=False),
    )
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.String(400), nullable=False, unique=True),
        sa.Column("crm", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("response_id", sa.String(200), nullable=False),
        sa.Column("version", ms, nullable=False),
        sa.Column("depends_on", sa.String(400)),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_ms", ms, nullable=False),
        sa.Column("needs_reconcile", sa.Boolean, nullable=False),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("lease_until_ms", ms),
        sa.Column("last_error", sa.Text),
        sa.Column("result", sa.String(200)),
        sa.Column("created_ms", ms, nullable=False),
        sa.Column("updated_ms", ms, nullable=False),
    )
    op.create_index("ix_outbox_due", "outbox", ["crm", "kind", "status", "next_attempt_ms"])
    op.create_table(
        "loops",
        sa.Column("source", sa.String(100), primary_key=True),
        sa.Column("response_id", sa.String(200), primary_key=True),
        sa.Column("crm", sa.String(100), nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("score", sa.Integer, nullable=False),
        sa.Column("rule", sa.String(100)),
        sa.Column("team", sa.String(100)),
        sa.Column("priority", sa.String(20)),
        sa.Column("email", sa.String(320)),
        sa.Column("contact_id", sa.String(100)),
        sa.Column("contact_owner_id", sa.String(100)),
        sa.Column("owner_id", sa.String(100)),
        sa.Column("owner_via", sa.String(40)),
        sa.Column("task_id", sa.String(100)),
        sa.Column("task_state", sa.String(20)),
        sa.Column("task_modified_ms", ms),
        sa.Column("response_ms", ms, nullable=False),
        sa.Column("due_ms", ms),
        sa.Column("task_created_ms", ms),
        sa.Column("first_touch_ms", ms),
        sa.Column("closed_ms", ms),
        sa.Column("updated_ms", ms, nullable=False),
    )
    op.create_index("ix_loops_task", "loops", ["crm", "task_id"])
    op.create_index("ix_loops_owner_open", "loops", ["owner_id", "closed_ms"])
    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("response_id", sa.String(200)),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("reason_code", sa.String(40), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_ms", ms, nullable=False),
        sa.Column("resolved_ms", ms),
    )
    op.create_table(
        "leases",
        sa.Column("name", sa.String(200), primary_key=True),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("expires_ms", ms, nullable=False),
    )
    op.create_table(
        "owners",
        sa.Column("crm", sa.String(100), primary_key=True),
        sa.Column("id", sa.String(100), primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("teams", sa.Text, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("updated_ms", ms, nullable=False),
    )


def downgrade() -> None:
    """Drop every table."""
    for table in ("owners", "leases", "quarantine", "loops", "outbox", "cursors", "inbox"):
        op.drop_table(table)
