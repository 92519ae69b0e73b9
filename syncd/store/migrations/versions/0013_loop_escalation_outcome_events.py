"""Loops record escalation and outcome; outgoing events get their own table.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("escalated_ms", sa.BigInteger),
    ("escalation", sa.String(20)),
    ("outcome", sa.String(200)),
)


def upgrade() -> None:
    """Add the loop columns and index, and the events table."""
    with op.batch_alter_table("loops") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind))
    op.create_index(
        "ix_loops_overdue",
        "loops",
        ["crm", "escalated_ms", "closed_ms", "due_ms", "source", "response_id"],
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(64), nullable=False, unique=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("response_id", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_ms", sa.BigInteger, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_ms", sa.BigInteger, nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
        sa.UniqueConstraint("source", "response_id", "kind", name="uq_events_loop"),
    )
    op.create_index("ix_events_due", "events", ["status", "next_attempt_ms", "id"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_events_due", table_name="events")
    op.drop_table("events")
    op.drop_index("ix_loops_overdue", table_name="loops")
    with op.batch_alter_table("loops") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
