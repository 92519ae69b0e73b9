"""Functions the store keeps on the server, beside its tables (PostgreSQL only).

A migration created each; a new store gets them from here with its tables
(``syncd.store.new_store``). The migrations keep their own copies, as they were when written:
tests/store/test_migrations.py proves both roads end with the same definitions.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

#: Reserving a call of a shared rate budget in one round trip (``rate_limits.reserve_in_one_call``;
#: migration 0015 says why).
RATE_RESERVE = """
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


def create_server_functions(connection: Connection) -> None:
    """Create every server-side function of the schema at ``HEAD`` (none on SQLite)."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(RATE_RESERVE))
