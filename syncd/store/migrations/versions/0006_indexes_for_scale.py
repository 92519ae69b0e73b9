"""Indexes the hot queries need, so their cost stays flat as the store grows.

- ``inbox.needs_plan``: the plan stage reads the responses it must plan from
  ``ix_inbox_to_plan`` in answer order, instead of scanning and sorting the whole inbox.
- ``ix_outbox_due`` gains ``id``: a claim reads due rows in (due time, id) order from the index
  and stops at its batch size, instead of sorting every due row.
- ``ix_outbox_depends_on``: skipping the dependents of an action that ended without success.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

_DUE = ["crm", "kind", "status", "next_attempt_ms"]


def upgrade() -> None:
    """Add the plan flag (set from the planned versions) and the three indexes."""
    with op.batch_alter_table("inbox") as batch:
        batch.add_column(
            sa.Column("needs_plan", sa.Boolean, nullable=False, server_default=sa.false())
        )
    op.execute(
        "UPDATE inbox SET needs_plan = (planned_version IS NULL OR planned_version < version)"
    )
    op.drop_index("ix_inbox_unplanned", table_name="inbox")
    op.create_index("ix_inbox_to_plan", "inbox", ["needs_plan", "submitted_ms", "id"])
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", [*_DUE, "id"])
    op.create_index("ix_outbox_depends_on", "outbox", ["depends_on"])


def downgrade() -> None:
    """Back to the indexes of revision 0005."""
    op.drop_index("ix_outbox_depends_on", table_name="outbox")
    op.drop_index("ix_outbox_due", table_name="outbox")
    op.create_index("ix_outbox_due", "outbox", _DUE)
    op.drop_index("ix_inbox_to_plan", table_name="inbox")
    op.create_index("ix_inbox_unplanned", "inbox", ["planned_version", "version"])
    with op.batch_alter_table("inbox") as batch:
        batch.drop_column("needs_plan")
