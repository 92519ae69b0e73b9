"""Open loops by due time: the overdue gauge counts only loops past due, not the whole history.

Revision ID: 0012
Revises: 0011
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the index."""
    op.create_index("ix_loops_open_due", "loops", ["crm", "closed_ms", "due_ms"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_loops_open_due", table_name="loops")
