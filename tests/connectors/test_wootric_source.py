"""WootricSource against its fake: expiring tokens renewed without losing a page, created-at
keyset paging with exclusive filters, end users, versions from ``updated_at``, failures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
import respx

from connectors.sources.wootric.fake import Chaos, Fault
from syncd.contracts import SurveySource, WebhookReceiver
from syncd.errors import SourceAuthError, SourceRejected, SourceUnavailable
from syncd.sandbox.http import Request
from tests.connectors.loopback_kit import responses
from tests.connectors.wootric_kit import CLIENT_SECRET, T0, T0_UNIX, Kit, kit

__all__ = ["kit"]
DAY = timedelta(days=1)


def _seed(kit: Kit, count: int, *, step: int = 60, at: datetime = T0) -> list[str]:
    return [
        kit.fake.add_response(
            email=f"r{i}@example.org", score=i % 11, created_at=at + timedelta(seconds=step * i)
        )
        for i in range(count)
    ]


def test_implements_both_protocols(kit: Kit) -> None:
    source = kit.source()
    assert isinstance(source, WebhookReceiver)
    typed: SurveySource = source
    assert typed.max_window == timedelta(days=7)


def test_one_token_serves_every_page_as_a_bearer_header(kit: Kit) -> None:
    ids = _seed(kit, 45)
    assert set(responses(list(kit.source().fetch(T0, T0 + DAY)))) == set(ids)
    assert kit.fake.tokens_issued == 1
    listing = kit.listing_requests()
    assert all(r.headers["authorization"].startswith("Bearer ") for r in listing)
    assert all("access_token" not in r.query for r in listing)


def test_a_token_expiring_mid_listing_is_renewed_and_the_same_page_asked_again(kit: Kit) -> None:
    kit.fake.embed_end_users = True  # so the request after the expiry is the next page
    ids = _seed(kit, 65)
    answered: list[Request] = []

    def expire_after_the_first_page(request: Request) -> None:
        if request.path.endswith("/responses"):
            answered.append(request)
            if len(answered) == 1:
                kit.fake.expire_tokens()

    kit.after = expire_after_the_first_page
    pages = list(kit.source().fetch(T0, T0 + DAY))

    assert set(responses(pages)) == set(ids)
    assert kit.fake.tokens_issued == 2
    second, retried = answered[1], answered[2]
    assert second.query == retried.query  # the page in flight, asked again after renewal
    assert kit.sleeps == []  # a renewal is not a retry


def test_a_token_about_to_expire_is_renewed_before_it_is_refused(kit: Kit) -> None:
    _seed(kit, 3)
    now = [0.0]
    source = kit.source(monotonic=lambda: now[0], token_margin_seconds=300)
    list(source.fetch(T0, T0 + DAY))
    now[0] = 7200 - 299  # inside the margin before the two hours are up
    list(source.fetch(T0, T0 + DAY))
    assert kit.fake.tokens_issued == 2
    assert len(kit.listing_requests()) == 2  # no request was refused and repeated


def test_a_token_refused_twice_is_an_auth_error(kit: Kit) -> None:
    kit.fake.inject(401, times=2)
    with pytest.raises(SourceAuthError, match="access token"):
        list(kit.source().fetch(T0, T0 + DAY))
    assert kit.fake.tokens_issued == 2 and kit.sleeps == []


def test_wrong_client_secret_is_an_auth_error_that_hides_it(kit: Kit) -> None:
    with pytest.raises(SourceAuthError, match="client credentials") as raised:
        list(kit.source(client_secret="wrong-secret-0123456789").fetch(T0, T0))
    assert "wrong-secret-0123456789" not in str(raised.value)
    assert CLIENT_SECRET not in str(raised.value)
    assert kit.sleeps == []


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(503), SourceUnavailable),
        (httpx.Response(200, json={"token_type": "bearer"}), SourceUnavailable),
        (httpx.Response(200, content=b"<html>"), SourceUnavailable),
        (httpx.Response(400, json={"error": "invalid_grant"}), SourceAuthError),
    ],
)
def test_token_endpoint_failures(kit: Kit, answer: httpx.Response, error: type[Exception]) -> None:
    with respx.mock() as router:
        router.post("https://wt.test/oauth/token").mock(return_value=answer)
        source = kit.source(base_url="https://wt.test/v1", max_retries=0)
        with pytest.raises(error):
            list(source.fetch(T0, T0))


def test_listing_uses_exclusive_created_bounds_sorted_ascending(kit: Kit) -> None:
    list(kit.source(lookback_days=1, page_size=50).fetch(T0, T0 + DAY))
    [request] = kit.listing_requests()
    query = {k: v[0] for k, v in request.query.items()}
    assert query == {
        "created[gt]": str(T0_UNIX - 86_400 - 1),
        "created[lt]": str(T0_UNIX + 86_400 + 1),
        "sort_key": "created_at",
        "sort_order": "asc",
        "per_page": "50",
        "page": "1",
    }


def test_a_full_page_slides_the_window_instead_of_paging_deep(kit: Kit) -> None:
    ids = _seed(kit, 100, step=1)
    pages = list(kit.source(page_size=10).fetch(T0, T0 + DAY))
    assert set(responses(pages)) == set(ids)
    assert {r.query["page"][0] for r in kit.listing_requests()} == {"1"}
    assert pages[-1].through == T0 + DAY


def test_ties_in_one_second_step_page_numbers_and_never_pass_page_30(kit: Kit) -> None:
    tied = _seed(kit, 35, step=0)  # 35 pages of one response, all in one second
    after = _seed(kit, 3, at=T0 + timedelta(seconds=5))
    pages = list(kit.source(page_size=1, max_pages=100).fetch(T0, T0 + DAY))
    got = set(responses(pages))
    assert max(int(r.query["page"][0]) for r in kit.listing_requests()) == 30
    assert set(after) <= got  # the walk went on past the over-full second
    assert len(got & set(tied)) == 30  # Wootric lists no more of one second: a known loss


def test_end_users_are_looked_up_once_and_give_email_and_external_id(kit: Kit) -> None:
    for i in range(3):
        kit.fake.add_response(
            email="same@example.org",
            score=9,
            created_at=T0 + timedelta(minutes=i),
            person_properties={"customer_id": "C-1", "plan": "Pro"},
        )
    pages = list(kit.source().fetch(T0, T0 + DAY))
    found = [r for p in pages for r in p.responses]
    assert {(r.email, r.external_id) for r in found} == {("same@example.org", "C-1")}
    assert found[0].properties["plan"] == "Pro"
    assert len([r for r in kit.seen if "/end_users/" in r.path]) == 1


def test_embedded_end_users_need_no_lookup(kit: Kit) -> None:
    kit.fake.embed_end_users = True
    _seed(kit, 3)
    pages = list(kit.source().fetch(T0, T0 + DAY))
    assert all(r.email for p in pages for r in p.responses)
    assert not [r for r in kit.seen if "/end_users/" in r.path]


def test_a_deleted_end_user_leaves_the_end_user_id(kit: Kit) -> None:
    kit.fake.add_response(
        email="gone@example.org", score=5, created_at=T0, overrides={"end_user_id": 999}
    )
    [response] = [r for p in kit.source().fetch(T0, T0 + DAY) for r in p.responses]
    assert (response.email, response.person_id) == (None, "999")


def test_times_with_an_offset_are_read_as_utc_and_edits_raise_the_version(kit: Kit) -> None:
    rid = kit.fake.add_response(email="a@example.org", score=3, created_at=T0)
    assert kit.fake.responses()[0]["created_at"] == "2024-05-31 17:00:00 -0700"
    [first] = [r for p in kit.source().fetch(T0, T0 + DAY) for r in p.responses]
    assert first.submitted_at == T0 and first.version == T0_UNIX
    kit.fake.update_response(rid, comment="now with a comment", at=T0 + timedelta(days=3))
    # The edit is after the window, but the next windows' lookback re-reads the answer.
    later = list(kit.source().fetch(T0 + 3 * DAY, T0 + 4 * DAY))
    [edited] = [r for p in later for r in p.responses]
    assert edited.version > first.version and edited.comment == "now with a comment"
    assert edited.updated_at == T0 + timedelta(days=3)


def test_the_updated_filter_finds_edits_older_than_the_lookback(kit: Kit) -> None:
    rid = kit.fake.add_response(email="a@example.org", score=3, created_at=T0 - 60 * DAY)
    kit.fake.update_response(rid, comment="late", at=T0 + timedelta(hours=1))
    assert responses(list(kit.source().fetch(T0, T0 + DAY))) == {}
    found = responses(list(kit.source(updated_filter=True).fetch(T0, T0 + DAY)))
    assert found == {rid: T0_UNIX + 3600}


@pytest.mark.parametrize(("retry_after", "waits"), [(3, [3.0]), (None, [1.0])])
def test_429_with_and_without_retry_after(
    kit: Kit, retry_after: float | None, waits: list[float]
) -> None:
    ids = _seed(kit, 2)
    kit.fake.inject(429, retry_after=retry_after)
    assert set(responses(list(kit.source().fetch(T0, T0 + DAY)))) == set(ids)
    assert kit.sleeps == waits


def test_429_waits_until_the_rate_limit_reset_when_no_retry_after(kit: Kit) -> None:
    reset = str(int(datetime.now(UTC).timestamp()) + 20)
    with respx.mock() as router:
        router.post("https://wt.test/oauth/token").respond(
            200, json={"access_token": "t", "expires_in": 7200}
        )
        router.get(url__startswith="https://wt.test/v1/responses").mock(
            side_effect=[
                httpx.Response(429, headers={"X-Rate-Limit-Reset": reset}),
                httpx.Response(200, json=[]),
            ]
        )
        list(kit.source(base_url="https://wt.test/v1").fetch(T0, T0))
    assert 15 <= kit.sleeps[0] <= 20


def test_chaos_is_survived(kit: Kit) -> None:
    ids = _seed(kit, 45)
    kit.fake.chaos(Chaos(server_error=0.2, rate_limited=0.2, reset=0.15, seed=5))
    assert set(responses(list(kit.source(max_retries=10).fetch(T0, T0 + DAY)))) == set(ids)
    assert kit.sleeps


@pytest.mark.parametrize("body", [b"{not json", b'{"responses": []}', b'"x"', b"[" * 50_000])
def test_a_malformed_listing_body_is_unavailable(kit: Kit, body: bytes) -> None:
    with respx.mock() as router:
        router.post("https://wt.test/oauth/token").respond(200, json={"access_token": "t"})
        router.get(url__startswith="https://wt.test/v1/responses").respond(200, content=body)
        with pytest.raises(SourceUnavailable):
            list(kit.source(base_url="https://wt.test/v1", max_retries=0).fetch(T0, T0))


def test_a_refused_request_is_rejected_not_retried(kit: Kit) -> None:
    kit.fake.inject(422)
    with pytest.raises(SourceRejected, match="422"):
        list(kit.source().fetch(T0, T0))
    assert kit.sleeps == []


def test_an_endless_listing_stops_at_max_pages_without_claiming_completeness(kit: Kit) -> None:
    kit.fake.misbehave(Fault.ENDLESS)
    pages = list(kit.source(max_pages=7).fetch(T0, T0 + DAY))
    assert len(pages) == 7
    assert all(page.through is None or page.through < T0 + DAY for page in pages)


def test_a_slow_answer_ends_at_the_request_deadline(kit: Kit) -> None:
    _seed(kit, 3)
    kit.fake.misbehave(Fault.TRICKLE)
    with pytest.raises(SourceUnavailable, match=r"within 0\.3s"):
        list(kit.source(request_deadline_seconds=0.3, max_retries=0).fetch(T0, T0 + DAY))


def test_check_reports_working_and_refused_credentials(kit: Kit) -> None:
    [ok] = kit.source().check()
    [bad] = kit.source(client_secret="nope-0123456789").check()
    assert ok.ok and not bad.ok and "client_secret" in bad.detail


def test_the_token_url_defaults_to_the_api_host(kit: Kit) -> None:
    settings = kit.settings(base_url="https://api.wootric.eu/v1")
    assert settings.resolved_token_url() == "https://api.wootric.eu/oauth/token"
    custom = kit.settings(token_url="https://auth.example.test/token")
    assert custom.resolved_token_url() == "https://auth.example.test/token"
