"""The fault modes source fakes share: queued failures and seeded chaos in a vendor's shapes."""

from __future__ import annotations

from syncd.sandbox.faults import Chaos, Failures, retry_after_text
from syncd.sandbox.http import Response


def _error(status: int, message: str, **headers: str) -> Response:
    return Response(status, {"message": message}, dict(headers))


def _rate_limited(retry_after: float | None) -> Response:
    headers = {} if retry_after is None else {"Retry-After": retry_after_text(retry_after)}
    return Response(429, {"message": "slow down"}, headers)


def _failures() -> Failures:
    return Failures(_error, _rate_limited)


def test_injected_failures_come_first_in_the_vendor_shape() -> None:
    failures = _failures()
    failures.set_chaos(Chaos(server_error=1.0))
    failures.inject(503, times=2, retry_after=2.5)
    failures.inject(429, retry_after=3)
    served = [failures.next() for _ in range(3)]
    assert [(r.status, r.headers) for r in served if r] == [
        (503, {"Retry-After": "2.5"}),
        (503, {"Retry-After": "2.5"}),
        (429, {"Retry-After": "3"}),
    ]
    chaotic = failures.next()
    assert chaotic is not None and chaotic.status in (500, 502, 503)


def test_chaos_draws_each_way() -> None:
    failures = _failures()
    failures.set_chaos(Chaos(reset=1.0))
    assert (dropped := failures.next()) is not None and dropped.drop
    failures.set_chaos(Chaos(slow=1.0, slow_seconds=0.5))
    assert (slow := failures.next()) is not None and slow.trickle_seconds == 0.5
    failures.set_chaos(Chaos(rate_limited=1.0, without_retry_after=1.0))
    assert (bare := failures.next()) is not None and "Retry-After" not in bare.headers
    failures.set_chaos(Chaos(rate_limited=1.0, without_retry_after=0.0))
    assert (told := failures.next()) is not None and told.headers == {"Retry-After": "1"}
    failures.set_chaos(None)
    assert failures.next() is None


def test_a_seed_repeats_its_run_from_the_start() -> None:
    chaos = Chaos(server_error=0.3, rate_limited=0.3, seed=7)
    first = [chaos.draw() for _ in range(50)]
    chaos.restart()
    assert [chaos.draw() for _ in range(50)] == first
    assert {"500", "429", "429-after", None} <= set(first)
