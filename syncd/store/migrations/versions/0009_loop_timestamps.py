"""Loop records carry every time the report needs: first seen, SLA start, reopened; survey.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_COLUMNS = (
    ("survey", sa.String(200)),
    ("seen_ms", sa.BigInteger),
    ("sla_start_ms", sa.BigInteger),
    ("reopened_ms", sa.BigInteger),
    ("no_task_reason", sa.String(40)),
)


def upgrade() -> None:
    """Add the nullable columns; older loops read them as unknown (the answer time is used)."""
    with op.batch_alter_table("loops") as batch:
        for name, kind in _COLUMNS:
            batch.add_column(sa.Column(name, kind))


def downgrade() -> None:
    """Drop them."""
    with op.batch_alter_table("loops") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
