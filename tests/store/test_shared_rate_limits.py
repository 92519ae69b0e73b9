"""Rate-limit budgets in the store: replicas together never exceed one window's allowance."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import Connection, Engine, event, select

from syncd.runtime.shared_limits import StoreLimiter, store_limiters
from syncd.store import rate_limits
from syncd.store.schema import rate_calls


def test_a_full_window_says_how_long_to_wait(engine: Engine) -> None:
    with engine.begin() as conn:
        waits = [rate_limits.reserve(conn, "crm:h:burst", 3, 10_000, 1_000 + n) for n in range(4)]
    assert waits[:3] == [0, 0, 0]
    # The oldest call (at 1,000) leaves the window at 11,000; asked at 1,003.
    assert waits[3] == 9_997
    with engine.begin() as conn:
        assert rate_limits.reserve(conn, "crm:h:burst", 3, 10_000, 11_000) == 0
        # Budgets are separate.
        assert rate_limits.reserve(conn, "crm:h:search", 1, 1_000, 11_000) == 0


def test_a_pause_holds_every_caller_and_never_shortens(engine: Engine) -> None:
    with engine.begin() as conn:
        rate_limits.pause(conn, "b", 5_000)
        rate_limits.pause(conn, "b", 3_000)  # an earlier end does not shorten the pause
        assert rate_limits.reserve(conn, "b", 10, 1_000, 1_000) == 4_000
        assert rate_limits.reserve(conn, "b", 10, 1_000, 5_000) == 0


def test_replicas_sharing_a_budget_stay_within_it(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "postgresql":
        # Replicas share a store only on PostgreSQL (a SQLite store is locked to one process),
        # and only there does the budget row's lock serialise them.
        pytest.skip("budgets are shared by replicas on PostgreSQL only")
    # Three "replicas" (threads, each with its own limiter object) share 10 calls per 0.5 s.
    # The store's own record of each admitted call is checked, not when a thread got to run.
    admitted: list[int] = []
    lock = threading.Lock()
    reserve = rate_limits.reserve_in_one_call

    def recording(
        conn: Connection, bucket: str, calls: int, period: int, now: int
    ) -> rate_limits.Reservation:
        reservation = reserve(conn, bucket, calls, period, now)
        if reservation.counted_ms is not None:
            # The time the call was counted at, as the function stored it under the row lock.
            with lock:
                admitted.append(reservation.counted_ms)
        return reservation

    monkeypatch.setattr(rate_limits, "reserve_in_one_call", recording)
    limiters = [StoreLimiter(engine, "crm:h:burst", 10, 0.5) for _ in range(3)]

    def work(limiter: StoreLimiter) -> None:
        for _ in range(10):
            limiter.acquire()

    threads = [threading.Thread(target=work, args=(limiter,)) for limiter in limiters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    admitted.sort()
    assert len(admitted) == 30
    for index, start in enumerate(admitted):
        assert len([at for at in admitted[index:] if at < start + 500]) <= 10


def test_the_factory_scopes_each_budget_to_its_connector(engine: Engine) -> None:
    burst = store_limiters(engine, "crm:hubspot")("burst", 5, 10.0)
    assert isinstance(burst, StoreLimiter)
    assert (burst.bucket, burst.max_calls, burst.period) == ("crm:hubspot:burst", 5, 10.0)


def test_a_stale_clock_is_judged_from_the_newest_call_counted(engine: Engine) -> None:
    # Another replica counted at 5,000; this one read its clock (3,000) before the lock.
    with engine.begin() as conn:
        assert rate_limits.reserve(conn, "b", 2, 1_000, 5_000) == 0
        assert rate_limits.reserve(conn, "b", 2, 1_000, 3_000) == 0
        assert rate_limits.reserve(conn, "b", 2, 1_000, 4_000) == 1_000
        counted = conn.execute(select(rate_calls.c.at_ms).order_by(rate_calls.c.at_ms))
        assert list(counted.scalars()) == [5_000, 5_000]


def test_calls_that_left_the_window_are_dropped_and_a_refusal_counts_nothing(
    engine: Engine,
) -> None:
    with engine.begin() as conn:
        for at in (1_000, 1_500, 1_900):
            assert rate_limits.reserve(conn, "b", 3, 1_000, at) == 0
        assert rate_limits.reserve(conn, "b", 3, 1_000, 1_950) == 50
        assert rate_limits.reserve(conn, "b", 3, 1_000, 2_000) == 0  # 1,000 left the window
        counted = conn.execute(select(rate_calls.c.at_ms).order_by(rate_calls.c.at_ms))
        assert list(counted.scalars()) == [1_500, 1_900, 2_000]


def test_the_postgresql_function_reserves_exactly_as_the_statements_do(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the one-call reservation is a PostgreSQL function")
    # The same calls against two budgets, one through each path: the same waits, the same rows.
    asks = [(1_000, 3), (1_500, 3), (1_900, 3), (1_950, 3), (2_000, 3), (1_990, 3), (9_000, 1)]
    pause_at = 5_000
    by_statements, by_function = [], []
    for now, calls in asks:
        if now == 9_000:
            with engine.begin() as conn:
                rate_limits.pause(conn, "statements", now + pause_at)
                rate_limits.pause(conn, "function", now + pause_at)
        with engine.begin() as conn:
            by_statements.append(rate_limits.reserve(conn, "statements", calls, 1_000, now))
        with engine.connect() as conn:
            autocommit = conn.execution_options(isolation_level="AUTOCOMMIT")
            reservation = rate_limits.reserve_in_one_call(autocommit, "function", calls, 1_000, now)
            by_function.append(reservation.wait_ms)
            assert (reservation.counted_ms is None) == (reservation.wait_ms > 0)
    assert by_function == by_statements == [0, 0, 0, 50, 0, 500, 5_000]

    def counted(bucket: str) -> list[int]:
        with engine.connect() as conn:
            query = select(rate_calls.c.at_ms).where(rate_calls.c.bucket == bucket)
            return sorted(conn.execute(query).scalars())

    assert counted("function") == counted("statements") == [1_500, 1_900, 2_000]


def test_a_limiter_on_postgresql_reserves_in_one_round_trip(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("the one-call reservation is a PostgreSQL function")
    statements: list[str] = []

    def seen(*args: object) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        limiter = StoreLimiter(engine, "crm:h:burst", 5, 10.0)
        limiter.acquire()
        statements.clear()  # the first use opened the connection
        limiter.acquire()
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 1 and "syncd_rate_reserve" in statements[0]
