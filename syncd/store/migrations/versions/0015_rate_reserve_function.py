"""On PostgreSQL, reserving a call of a shared rate budget is one server-side function.

The reservation (lock the budget's row, drop calls that left the window, count one more if
there is room) took five round trips: BEGIN, the lock, the prune, the insert, COMMIT. Every CRM
call of every replica makes one, so on the delivery lanes they were about a seventh of a pass.
The function does the same steps, in the same order, in one call. Inside it each statement
reads the data as of its own start (a volatile function under READ COMMITTED), so the count
after the lock sees the calls the lock's previous holder counted, as the separate statements
did. SQLite keeps the statements: there a lone daemon paces itself in process.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_FUNCTION = """
CREATE OR REPLACE FUNCTION syncd_rate_reserve(
    p_bucket varchar, p_max integer, p_period_ms bigint, p_now_ms bigint,
    OUT wait_ms bigint, OUT counted_ms bigint
) LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    paused bigint;
    clock bigint;
    newest bigint;
    oldest bigint;
BEGIN
    SELECT paused_until_ms INTO paused FROM rate_buckets WHERE bucket = p_bucket FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO rate_buckets (bucket, paused_until_ms) VALUES (p_bucket, 0)
            ON CONFLICT DO NOTHING;
        SELECT paused_until_ms INTO paused FROM rate_buckets WHERE bucket = p_bucket FOR UPDATE;
    END IF;
    IF p_now_ms < paused THEN
        wait_ms := paused - p_now_ms;
        RETURN;
    END IF;
    -- The caller's clock, or the newest call counted if that is later (see rate_limits.py).
    SELECT max(at_ms) INTO newest FROM rate_calls WHERE bucket = p_bucket;
    clock := greatest(p_now_ms, coalesce(newest, 0));
    DELETE FROM rate_calls WHERE bucket = p_bucket AND at_ms <= clock - p_period_ms;
    IF (SELECT count(*) FROM rate_calls WHERE bucket = p_bucket) < p_max THEN
        INSERT INTO rate_calls (bucket, at_ms) VALUES (p_bucket, clock);
        wait_ms := 0;
        counted_ms := clock;
        RETURN;
    END IF;
    SELECT max(at_ms), min(at_ms) INTO newest, oldest FROM rate_calls WHERE bucket = p_bucket;
    wait_ms := greatest(1, oldest + p_period_ms - greatest(p_now_ms, newest));
END;
$$
"""


def upgrade() -> None:
    """Create the function on PostgreSQL; nothing on SQLite."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(_FUNCTION))


def downgrade() -> None:
    """Drop the function again."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            sa.text("DROP FUNCTION IF EXISTS syncd_rate_reserve(varchar, integer, bigint, bigint)")
        )
