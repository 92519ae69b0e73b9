"""The roll-up's small memories and its reading of v4 association pages."""

from __future__ import annotations

import pytest

from connectors.crm.hubspot.rollup_calls import association_results
from connectors.crm.hubspot.rollup_memo import Recent


def test_entries_expire_after_their_ttl_and_a_put_renews_them() -> None:
    now = [0.0]
    memo: Recent[str, int] = Recent(10, 100, lambda: now[0])
    memo.put("a", 1)
    memo.put("b", 2)
    now[0] = 8
    memo.put("a", 3)  # renewed
    now[0] = 12
    assert memo.get("a") == 3 and "b" not in memo and memo.get("b") is None
    assert memo.values() == [3]


def test_the_oldest_entries_go_first_at_the_cap() -> None:
    memo: Recent[int, int] = Recent(60, 3, lambda: 0.0)
    for n in range(5):
        memo.put(n, n)
    assert memo.values() == [2, 3, 4]


def test_association_pages_give_targets_and_each_sources_next_cursor() -> None:
    body = {
        "results": [
            {"from": {"id": "1"}, "to": [{"toObjectId": 9, "associationTypes": []}]},
            {
                "from": {"id": "2"},
                "to": [{"toObjectId": 7, "associationTypes": []}],
                "paging": {"next": {"after": "abc"}},
            },
        ],
        "errors": [{"category": "OBJECT_NOT_FOUND", "context": {"fromObjectId": ["3"]}}],
    }
    assert list(association_results(body)) == [("1", ["9"], None), ("2", ["7"], "abc")]


def test_an_association_result_without_its_source_is_refused() -> None:
    with pytest.raises(ValueError, match=r"from\.id"):
        list(association_results({"results": [{"to": []}]}))
