"""Dependents whose dependency is not done yet wait in a status of their own.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Pending actions whose dependency is not done become ``waiting`` (no schema change)."""
    op.execute(
        sa.text(
            "UPDATE outbox SET status = 'waiting' WHERE status = 'pending' "
            "AND depends_on IS NOT NULL AND NOT EXISTS (SELECT 1 FROM outbox AS dependency "
            "WHERE dependency.key = outbox.depends_on AND dependency.status = 'done')"
        )
    )


def downgrade() -> None:
    """Waiting actions are pending again: the claim before this revision tested dependencies."""
    op.execute(sa.text("UPDATE outbox SET status = 'pending' WHERE status = 'waiting'"))
