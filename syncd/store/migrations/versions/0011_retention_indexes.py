"""Indexes retention prunes through, so a prune run never scans a table.

- ``ix_inbox_payload_kept``: planned inbox rows whose payload is still kept, by age (partial: pruned
  payloads, the empty text, leave it).
- ``ix_outbox_updated``: actions by age (done, dead and skipped history is found by it).
- ``ix_outbox_response``: every action of one response, to keep history still at work.
- ``ix_quarantine_resolved``: resolved quarantine items by age.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

_KEPT = sa.text("payload != ''")


def upgrade() -> None:
    """Add the four indexes."""
    op.create_index(
        "ix_inbox_payload_kept",
        "inbox",
        ["needs_plan", "updated_ms"],
        postgresql_where=_KEPT,
        sqlite_where=_KEPT,
    )
    op.create_index("ix_outbox_updated", "outbox", ["updated_ms"])
    op.create_index("ix_outbox_response", "outbox", ["source", "response_id"])
    op.create_index("ix_quarantine_resolved", "quarantine", ["resolved_ms"])


def downgrade() -> None:
    """Drop them."""
    op.drop_index("ix_quarantine_resolved", table_name="quarantine")
    op.drop_index("ix_outbox_response", table_name="outbox")
    op.drop_index("ix_outbox_updated", table_name="outbox")
    op.drop_index("ix_inbox_payload_kept", table_name="inbox")
