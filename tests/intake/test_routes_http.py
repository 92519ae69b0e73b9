"""The webhook routes as the composition root mounts them, and the intake over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Engine

from syncd.intake.routes import webhook_intake, webhook_routes
from syncd.intake.stats import Outcome
from syncd.model import CheckResult, SourcePage
from syncd.settings import Settings
from tests.intake.support import (
    delighted,
    http_post,
    inbox_rows,
    post,
    response_event,
    serving,
    signed,
)


class PollOnly:
    """A source without webhooks."""

    name = "polled"
    max_window = timedelta(days=1)

    def fetch(self, since: datetime, until: datetime) -> Iterator[SourcePage]:
        return iter(())

    def check(self) -> list[CheckResult]:
        return []

    def close(self) -> None:
        pass


def _settings(max_body_bytes: int = 1024 * 1024) -> Settings:
    return Settings.model_validate(
        {
            "sources": {"delighted": {"kind": "delighted", "api_key": "k"}},
            "crm": {"kind": "hubspot"},
            "webhooks": {"max_body_bytes": max_body_bytes},
        }
    )


def test_routes_name_each_webhook_source_and_share_one_intake(engine: Engine) -> None:
    source = delighted()
    routes = webhook_routes(_settings(), {"delighted": source, "polled": PollOnly()}, engine)

    assert set(routes) == {"/webhooks/delighted"}
    intake = webhook_intake(_settings(2048), {"delighted": source, "polled": PollOnly()}, engine)
    assert intake.max_body_bytes == 2048
    assert intake(post("/webhooks/polled", b"{}")).status == 404
    source.close()


def test_the_body_limit_is_configurable_and_bounded() -> None:
    assert _settings().webhooks.max_body_bytes == 1024 * 1024
    with pytest.raises(ValueError, match="max_body_bytes"):
        _settings(10)


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_deliveries_over_real_http(engine: Engine) -> None:
    source = delighted()
    intake = webhook_intake(_settings(4096), {"delighted": source}, engine)
    body = response_event(score=2)
    with serving(intake, max_body=4096) as base:
        url = f"{base}/webhooks/delighted"
        assert http_post(url, body, signed(body))[0] == 200
        assert http_post(url, body, signed(body)) == (
            200,
            {"received": 1, "stored": 0, "unchanged": 1, "quarantined": 0, "skipped": 0},
        )
        assert http_post(url, body, {"X-Delighted-Webhook-Signature": "sha256=00"})[0] == 401
        assert http_post(url, body, {})[0] == 401
        big = b" " * 5000
        assert http_post(url, big, signed(big))[0] == 413
        assert http_post(url, b"{nope", signed(b"{nope"))[0] == 400
        assert http_post(f"{base}/webhooks/other", body, signed(body))[0] == 404
    assert len(inbox_rows(engine)) == 1
    assert intake.stats.count("delighted", Outcome.UNAUTHORIZED) == 2
    source.close()
