"""Index loops by contact, for "the latest answer per contact wins".

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Index loops by contact for the latest-answer lookup."""
    op.create_index("ix_loops_contact", "loops", ["crm", "contact_id", "response_ms"])


def downgrade() -> None:
    """Drop the contact index."""
    op.drop_index("ix_loops_contact", table_name="loops")
