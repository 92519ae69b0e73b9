"""The shared-rate-limit figures: the 429 share and the achieved share of the allowance."""

from __future__ import annotations

from tests.chaos.ratelimit import share_of_allowance
from tests.chaos.recorder import Answer

TASKS = "/crm/v3/objects/tasks/batch/upsert"


def _calls(statuses: list[int], every: float, path: str = TASKS) -> list[Answer]:
    return [Answer(n * every, "POST", path, status) for n, status in enumerate(statuses)]


def test_a_client_using_the_whole_allowance_without_429s() -> None:
    # 20 admitted calls in 10 s against 10 per 10 s: one window at once, then the rate.
    share = share_of_allowance(_calls([200] * 21, 0.5), 10)
    assert (share.requests, share.rejected, round(share.achieved, 2)) == (21, 0.0, 1.05)


def test_rejected_calls_count_as_429s_and_not_as_achieved() -> None:
    share = share_of_allowance(_calls([200, 429, 429, 200, 200], 5.0), 10)
    assert share.rejected == 0.4 and round(share.achieved, 2) == 0.1


def test_search_calls_have_their_own_limit_and_are_left_out() -> None:
    calls = _calls([429] * 5, 0.1, "/crm/v3/objects/contacts/search") + _calls([200] * 3, 1.0)
    share = share_of_allowance(sorted(calls, key=lambda a: a.at), 10)
    assert share.requests == 3 and share.rejected == 0.0
