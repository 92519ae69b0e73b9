"""Open loops by due time: the overdue gauge counts only loops past due, not the whole history.

Revision ID: 0013
Revises: 0007
"""

from alembic import op

revision = "0013"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the index."""
    op.create_index("ix_loops_open_due", "loops", ["crm", "closed_ms", "due_ms"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_loops_open_due", table_name="loops")
