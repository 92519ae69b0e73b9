"""AskNicelySource against its fake: positional listings, strings for numbers, the lookback,
change detection, the file-host redirect, and every failure mapped to the core's errors."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
import respx

from connectors.sources.asknicely.fake import Chaos, Fault
from syncd.contracts import SurveySource, WebhookReceiver
from syncd.errors import SourceAuthError, SourceRejected, SourceUnavailable
from tests.connectors.asknicely_kit import KEY, NOW, T0, T0_UNIX, Kit, kit
from tests.connectors.loopback_kit import responses

__all__ = ["kit"]
DAY = timedelta(days=1)


def _seed(kit: Kit, count: int, *, at: timedelta = timedelta(0), step: int = 60) -> list[str]:
    return [
        kit.fake.add_response(
            email=f"r{i}@example.org",
            score=i % 11,
            created_at=T0 + at + timedelta(seconds=step * i),
        )
        for i in range(count)
    ]


def test_implements_both_protocols(kit: Kit) -> None:
    source = kit.source()
    assert isinstance(source, WebhookReceiver)
    typed: SurveySource = source
    assert typed.max_window == timedelta(days=7)


def test_parameters_are_positional_path_segments_and_the_key_a_header(kit: Kit) -> None:
    with respx.mock(assert_all_called=True) as router:
        route = router.get(url__regex=r"https://an\.test/api/v1/responses/.*").respond(
            200, json={"success": True, "totalpages": "1", "data": []}
        )
        source = kit.source(base_url="https://an.test/api/v1", lookback_days=1)
        list(source.fetch(T0, T0 + timedelta(hours=1)))
    request = route.calls.last.request
    start = T0_UNIX - 86_400
    assert request.url.path == (
        f"/api/v1/responses/asc/20/1/{start - 1}/json/answered/responded/{T0_UNIX + 3601}"
    )
    assert request.headers["x-apikey"] == KEY
    assert "apikey" not in str(request.url).lower()


def test_numbers_sent_as_strings_become_a_typed_response(kit: Kit) -> None:
    rid = kit.fake.add_response(
        email=" Priya.Raman@Example.com ",
        score=9,
        comment="Great support",
        created_at=T0,
        person_properties={"customer_id": "C-88120", "branch_location": "Portland"},
        overrides={"segment": "Enterprise"},
    )
    [page] = list(kit.source().fetch(T0, T0 + DAY))
    [response] = page.responses
    assert kit.fake.responses()[0]["answer"] == "9"  # the wire really holds a string
    assert response.response_id == rid
    assert (response.score, response.submitted_at, response.comment) == (9, T0, "Great support")
    assert response.email == "priya.raman@example.com"
    assert response.external_id == "C-88120"
    assert response.person_id is not None
    assert response.properties == {
        "customer_id_c": "C-88120",
        "branch_location_c": "Portland",
        "segment": "Enterprise",
    }


def test_paging_reads_every_page_and_completes_the_window(kit: Kit) -> None:
    ids = _seed(kit, 65)
    pages = list(kit.source().fetch(T0, T0 + DAY))
    assert set(responses(pages)) == set(ids)
    assert len(pages) == 4
    assert pages[-1].through == T0 + DAY
    assert [p.through for p in pages[:-1]] == sorted(p.through for p in pages[:-1])  # type: ignore[type-var]


def test_the_lookback_rereads_earlier_answers_and_nothing_after_until(kit: Kit) -> None:
    old = kit.fake.add_response(email="old@example.org", score=3, created_at=T0 - 10 * DAY)
    too_old = kit.fake.add_response(email="o@example.org", score=3, created_at=T0 - 20 * DAY)
    inside = kit.fake.add_response(email="in@example.org", score=9, created_at=T0 + DAY)
    later = kit.fake.add_response(
        email="later@example.org", score=9, created_at=T0 + DAY + timedelta(seconds=1)
    )

    seen = responses(list(kit.source().fetch(T0, T0 + DAY)))
    assert set(seen) == {old, inside}
    assert too_old not in seen and later not in seen
    assert set(responses(list(kit.source(lookback_days=0).fetch(T0, T0 + DAY)))) == {inside}


def test_a_comment_added_later_is_a_new_version_even_in_a_fresh_process(kit: Kit) -> None:
    rid = kit.fake.add_response(email="a@example.org", score=4, created_at=T0)
    first = responses(list(kit.source().fetch(T0, T0 + DAY)))[rid]
    kit.fake.update_response(rid, comment="Support never called back")
    # A new source remembers nothing, yet the comment alone raises the version.
    second = responses(list(kit.source().fetch(T0, T0 + DAY)))[rid]
    assert second > first


def test_changed_score_or_comment_raises_the_version_and_a_reread_does_not(kit: Kit) -> None:
    rid = kit.fake.add_response(email="a@example.org", score=4, comment="slow", created_at=T0)
    clock = [NOW]
    source = kit.source(clock=lambda: clock[0])

    def version() -> int:
        return responses(list(source.fetch(T0, T0 + DAY)))[rid]

    v1 = version()
    assert version() == v1  # nothing changed: the same version, nothing new for the store
    kit.fake.update_response(rid, comment="slow, but they fixed it")
    clock[0] += timedelta(minutes=5)
    v2 = version()
    kit.fake.update_response(rid, score=8)
    clock[0] += timedelta(minutes=5)
    v3 = version()
    assert v1 < v2 < v3
    assert version() == v3
    # An edit a later process detects is above what an earlier process could have given.
    fresh = kit.source(clock=lambda: clock[0] + timedelta(minutes=5))
    kit.fake.update_response(rid, comment="all good now")
    list(fresh.fetch(T0, T0 + DAY))  # first sighting: remembered, not yet a change
    kit.fake.update_response(rid, score=10)
    assert responses(list(fresh.fetch(T0, T0 + DAY)))[rid] > v3


def test_other_question_types_are_skipped_and_counted(kit: Kit) -> None:
    kit.fake.add_response(
        email="a@example.org", score=4, created_at=T0, overrides={"question_type": "csat"}
    )
    kit.fake.add_response(
        email="b@example.org", score=9, created_at=T0, overrides={"question_type": "NPS "}
    )
    [page] = list(kit.source().fetch(T0, T0 + DAY))
    assert (len(page.responses), page.skipped) == (1, 1)


def test_large_results_follow_the_redirect_to_the_file_host_without_the_key(kit: Kit) -> None:
    ids = _seed(kit, 30)
    kit.fake.redirect_above = 10  # AskNicely redirects above 999 rows; the same, smaller
    pages = list(kit.source(page_size=1000).fetch(T0, T0 + DAY))
    assert set(responses(pages)) == set(ids)
    assert len(kit.fake.file_requests) == 1
    assert "x-apikey" not in kit.fake.file_requests[0]


def test_an_expired_file_link_asks_again(kit: Kit) -> None:
    with respx.mock() as router:
        listing = router.get(url__regex=r"https://an\.test/api/v1/responses/.*").mock(
            return_value=httpx.Response(302, headers={"Location": "https://files.test/x.json"})
        )
        router.get("https://files.test/x.json").mock(
            side_effect=[
                httpx.Response(403, text="<Error>Request has expired</Error>"),
                httpx.Response(200, json={"success": True, "totalpages": "1", "data": []}),
            ]
        )
        pages = list(kit.source(base_url="https://an.test/api/v1").fetch(T0, T0))
    assert listing.call_count == 2 and pages[-1].through == T0
    assert kit.sleeps == [1.0]


@pytest.mark.parametrize(
    ("file_answer", "reason"),
    [
        (httpx.Response(302, headers={"Location": "https://elsewhere.test/"}), "redirected again"),
        (httpx.Response(200, content=b"x" * 5000), "more than 2048 bytes"),
    ],
)
def test_the_redirect_is_followed_once_and_bounded(
    kit: Kit, file_answer: httpx.Response, reason: str
) -> None:
    with respx.mock() as router:
        router.get(url__regex=r"https://an\.test/api/v1/responses/.*").respond(
            302, headers={"Location": "https://files.test/x.json"}
        )
        router.get("https://files.test/x.json").mock(return_value=file_answer)
        source = kit.source(base_url="https://an.test/api/v1", max_file_bytes=2048, max_retries=0)
        with pytest.raises(SourceUnavailable, match=reason):
            list(source.fetch(T0, T0))


def test_a_redirect_to_another_scheme_is_not_followed(kit: Kit) -> None:
    with respx.mock() as router:
        router.get(url__regex=r"https://an\.test/.*").respond(
            302, headers={"Location": "file:///etc/passwd"}
        )
        with pytest.raises(SourceUnavailable, match="unusable location"):
            list(kit.source(base_url="https://an.test/api/v1", max_retries=0).fetch(T0, T0))


def test_wrong_key_is_an_auth_error_that_hides_it_and_is_not_retried(kit: Kit) -> None:
    with pytest.raises(SourceAuthError) as raised:
        list(kit.source(api_key="wrong-key-0123456789").fetch(T0, T0))
    assert "wrong-key-0123456789" not in str(raised.value)
    assert kit.sleeps == []


@pytest.mark.parametrize(("retry_after", "waits"), [(2, [2.0]), (None, [1.0])])
def test_429_with_and_without_retry_after(
    kit: Kit, retry_after: float | None, waits: list[float]
) -> None:
    ids = _seed(kit, 2)
    kit.fake.inject(429, retry_after=retry_after)
    assert set(responses(list(kit.source().fetch(T0, T0 + DAY)))) == set(ids)
    assert kit.sleeps == waits


def test_a_success_false_answer_is_rejected_with_its_message(kit: Kit) -> None:
    with respx.mock() as router:
        router.get(url__regex=r"https://an\.test/.*").respond(
            200, json={"success": False, "msg": "Bad sort"}
        )
        with pytest.raises(SourceRejected, match="Bad sort"):
            list(kit.source(base_url="https://an.test/api/v1").fetch(T0, T0))


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"success": true, "data": [', b"[1, 2]", b'"text"']
)
def test_a_malformed_body_is_unavailable(kit: Kit, body: bytes) -> None:
    with respx.mock() as router:
        router.get(url__regex=r"https://an\.test/.*").respond(200, content=body)
        with pytest.raises(SourceUnavailable):
            list(kit.source(base_url="https://an.test/api/v1", max_retries=1).fetch(T0, T0))


def test_resets_and_server_errors_are_retried(kit: Kit) -> None:
    ids = _seed(kit, 45)
    kit.fake.chaos(Chaos(server_error=0.2, reset=0.2, rate_limited=0.2, seed=3))
    pages = list(kit.source(max_retries=10).fetch(T0, T0 + DAY))
    assert set(responses(pages)) == set(ids)
    assert kit.sleeps  # some requests did fail and were retried


def test_a_slow_answer_ends_at_the_request_deadline(kit: Kit) -> None:
    _seed(kit, 3)
    kit.fake.misbehave(Fault.TRICKLE)
    source = kit.source(request_deadline_seconds=0.3, max_retries=0)
    with pytest.raises(SourceUnavailable, match=r"within 0\.3s"):
        list(source.fetch(T0, T0 + DAY))


def test_an_endless_listing_stops_at_max_pages_without_claiming_completeness(kit: Kit) -> None:
    kit.fake.misbehave(Fault.ENDLESS)
    pages = list(kit.source(max_pages=5).fetch(T0, T0 + DAY))
    assert len(pages) == 5
    assert all(page.through is None or page.through < T0 + DAY for page in pages)


def test_repeated_pages_end_the_listing(kit: Kit) -> None:
    kit.fake.misbehave(Fault.REPEAT)
    pages = list(kit.source().fetch(T0, T0 + DAY))
    assert len(pages) == 2
    assert all(page.through is None or page.through < T0 + DAY for page in pages)


def test_check_reports_a_working_and_a_refused_key(kit: Kit) -> None:
    [ok] = kit.source().check()
    [bad] = kit.source(api_key="another-key-0123456789").check()
    assert ok.ok and not bad.ok
    assert "api_key" in bad.detail and "another-key" not in bad.detail


def test_window_must_be_aware_and_ordered(kit: Kit) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        list(kit.source().fetch(T0.replace(tzinfo=None), T0))
    with pytest.raises(ValueError, match="empty window"):
        list(kit.source().fetch(T0 + DAY, T0))
