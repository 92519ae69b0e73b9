"""Drop ``outbox.needs_reconcile``: task creation is idempotent at the CRM port.

A create whose outcome was unknown used to be marked so the CRM was searched before it was sent
again. ``Crm.create_tasks`` now promises one task per key however often it is sent, so the
mark has no reader left. Batch mode rebuilds the table on SQLite, which cannot drop a column
on older versions.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Drop the unused reconcile flag."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("needs_reconcile")


def downgrade() -> None:
    """Restore the reconcile flag, false everywhere."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(
            sa.Column("needs_reconcile", sa.Boolean, nullable=False, server_default=sa.false())
        )
