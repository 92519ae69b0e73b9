"""Outbox claim counter: fences outcomes so a holder whose claim was taken over cannot record.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the claim counter that fences outcomes."""
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("claims", sa.Integer, nullable=False, server_default="0"))


def downgrade() -> None:
    """Drop the claim counter."""
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("claims")
