"""Index the loops by respondent email, for rules that ask a respondent once per period.

Revision ID: 0010
Revises: 0009
"""

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the index."""
    op.create_index("ix_loops_email", "loops", ["crm", "email", "response_ms"])


def downgrade() -> None:
    """Drop it."""
    op.drop_index("ix_loops_email", table_name="loops")
