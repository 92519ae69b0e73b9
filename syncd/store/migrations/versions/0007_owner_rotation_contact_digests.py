"""Round-robin state per owner pool, and a digest of the fields last written per contact.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the two small tables."""
    op.create_table(
        "owner_rotation",
        sa.Column("crm", sa.String(100), primary_key=True),
        sa.Column("pool", sa.String(200), primary_key=True),
        sa.Column("owner_id", sa.String(100), nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )
    op.create_table(
        "contact_digests",
        sa.Column("crm", sa.String(100), primary_key=True),
        sa.Column("contact_id", sa.String(100), primary_key=True),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("updated_ms", sa.BigInteger, nullable=False),
    )


def downgrade() -> None:
    """Drop them."""
    op.drop_table("contact_digests")
    op.drop_table("owner_rotation")
