"""Rate-limit budgets shared by replicas.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the budget and call-log tables."""
    op.create_table(
        "rate_buckets",
        sa.Column("bucket", sa.String(200), primary_key=True),
        sa.Column("paused_until_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "rate_calls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("bucket", sa.String(200), nullable=False),
        sa.Column("at_ms", sa.BigInteger, nullable=False),
    )
    op.create_index("ix_rate_calls_bucket", "rate_calls", ["bucket", "at_ms"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_rate_calls_bucket", table_name="rate_calls")
    op.drop_table("rate_calls")
    op.drop_table("rate_buckets")
