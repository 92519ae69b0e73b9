"""Secrets are redacted before any text is cut, and short secrets do not garble messages."""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
import structlog

from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.transport import Transport
from connectors.registry import Catalog
from connectors.sources.delighted.client import DelightedClient
from connectors.sources.delighted.settings import DelightedSettings
from syncd.config_loader import load_settings, settings_secrets
from syncd.errors import CrmError, SourceError
from syncd.redact import MIN_SECRET_LENGTH, STORED_ERROR_LIMIT, Redactor, activate, stored_error
from syncd.runtime.logging import configure_logging
from syncd.settings import DaemonSettings

SECRET = "SECRET-HUB-0123456789abcdef0123456789abcdef"


def fragments(secret: str, text: str) -> list[str]:
    """Every piece of ``secret`` as long as the shortest redacted secret found in ``text``."""
    size = MIN_SECRET_LENGTH
    return [
        secret[i : i + size] for i in range(len(secret) - size + 1) if secret[i : i + size] in text
    ]


def test_redact_then_clip_leaves_no_part_of_a_secret_at_the_cut() -> None:
    redactor = Redactor.of([SECRET])
    for position in range(0, 120):
        text = "x" * position + SECRET + " trailing words"
        clipped = redactor.clip(text, 100)
        assert len(clipped) <= 100
        assert fragments(SECRET, clipped) == [], (position, clipped)


def test_longest_secret_is_replaced_first() -> None:
    short, long = "abcdefgh12", "abcdefgh1234567"
    redactor = Redactor.of([short, long])
    assert redactor.redact(f"a {long} b {short} c") == "a *** b *** c"


def test_a_text_cut_inside_a_secret_elsewhere_loses_that_tail() -> None:
    redactor = Redactor.of([SECRET])
    assert redactor.redact(f"token was {SECRET[:12]}") == "token was ***"
    assert redactor.redact(f"token was {SECRET[:7]}") == f"token was {SECRET[:7]}"


@pytest.mark.parametrize("short", ["", "a", "key", "1234567"])
def test_secrets_too_short_to_redact_leave_messages_alone(short: str) -> None:
    message = "a key 1234567 was refused by the api"
    assert Redactor.of([short]).redact(message) == message
    assert Redactor.of([short]).secrets == ()


# --- the connectors --------------------------------------------------------------------------


def _delighted(key: str, body: object) -> DelightedClient:
    def answer(_request: httpx.Request) -> httpx.Response:
        return httpx.Response(400, json=body)

    settings = DelightedSettings(api_key=key, max_retries=0)
    return DelightedClient(settings, transport=httpx.MockTransport(answer), sleep=lambda _: None)


@pytest.mark.parametrize("start", [250, 280, 295, 299])
def test_delighted_errors_keep_no_part_of_a_key_echoed_near_the_cut(start: int) -> None:
    basic = base64.b64encode(f"{SECRET}:".encode()).decode()
    client = _delighted(SECRET, {"message": "x" * start + f"{SECRET} Basic {basic}"})
    with pytest.raises(SourceError) as caught:
        client.list_responses({})
    assert fragments(SECRET, str(caught.value)) == []
    assert fragments(basic, str(caught.value)) == []


def test_delighted_short_key_does_not_garble_the_message() -> None:
    client = _delighted("abc", {"message": "abc is not a valid abcdef filter"})
    with pytest.raises(SourceError, match="abc is not a valid abcdef filter"):
        client.list_responses({})


@dataclass
class EchoingApiException(Exception):
    """Like the SDK's ApiException: status, body, headers, and a str() that prints them all."""

    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        headers = f"HTTP response headers: {self.headers}"
        return f"({self.status})\n{headers}\nHTTP response body: {self.body}"


def _hubspot_error(token: str, message: str, status: int = 400) -> CrmError:
    body = json.dumps(
        {
            "status": "error",
            "message": message,
            "category": "VALIDATION_ERROR",
            "correlationId": "c-1",
        }
    )
    headers = {"X-Echo-Authorization": f"Bearer {token}", "X-Trace-Header": "trace-value-9"}
    transport = Transport(HubSpotSettings(access_token=token), sleep=lambda _: None)

    def fail(_timeout: float) -> None:
        raise EchoingApiException(status, body, headers)

    with pytest.raises(CrmError) as caught:
        transport.call(fail, idempotent=False)
    return caught.value


@pytest.mark.parametrize("start", [450, 480, 490, 499])
def test_hubspot_errors_keep_no_part_of_a_token_echoed_near_the_cut(start: int) -> None:
    error = _hubspot_error(SECRET, "x" * start + f"Bearer {SECRET}")
    text = str(error)
    assert fragments(SECRET, text) == []
    assert text.startswith("HubSpot 400 VALIDATION_ERROR: xxx")
    assert text.endswith("(correlationId c-1)")


def test_hubspot_errors_never_carry_headers() -> None:
    text = str(_hubspot_error(SECRET, "bad input"))
    assert text == "HubSpot 400 VALIDATION_ERROR: bad input (correlationId c-1)"
    assert "trace-value-9" not in text


def test_hubspot_short_token_does_not_garble_the_message() -> None:
    text = str(_hubspot_error("hub", "github hub property is read-only"))
    assert "github hub property is read-only" in text


# --- the process-wide redactor: store edge, log lines, and what counts as a secret -------------


@pytest.fixture
def active_secret() -> Iterator[str]:
    activate(Redactor.of([SECRET]))
    yield SECRET
    activate(Redactor())


def test_stored_errors_are_redacted_then_cut(active_secret: str) -> None:
    text = stored_error("y" * (STORED_ERROR_LIMIT - 12) + active_secret)
    assert len(text) <= STORED_ERROR_LIMIT
    assert fragments(active_secret, text) == []


def test_every_log_line_is_redacted(active_secret: str) -> None:
    out = io.StringIO()
    configure_logging(DaemonSettings(log_format="json"), stream=out)
    try:
        structlog.get_logger("t").warning(f"saw {active_secret}", error=f"x {active_secret}")
    finally:
        structlog.reset_defaults()
    assert out.getvalue().count("***") == 2
    assert fragments(active_secret, out.getvalue()) == []


def test_secrets_of_settings_are_connector_secrets_and_the_database_password(
    tmp_path: Path,
) -> None:
    path = tmp_path / "syncd.toml"
    path.write_text(
        """
[daemon]
database_url = "postgresql://syncd:db-password-1@db/syncd"
[sources.delighted]
kind = "delighted"
api_key = "delighted-key-1"
[crm]
kind = "hubspot"
access_token = "hubspot-token-1"
""",
        encoding="utf-8",
    )
    settings = load_settings(path, {}, Catalog())
    found = set(settings_secrets(settings, Catalog()))
    assert found == {"db-password-1", "delighted-key-1", "hubspot-token-1"}


def test_nested_and_object_log_values_are_redacted(active_secret: str) -> None:
    out = io.StringIO()
    configure_logging(DaemonSettings(log_format="json"), stream=out)
    try:
        structlog.get_logger("t").warning(
            "failed", detail={"sent": [f"Bearer {active_secret}"]}, error=ValueError(active_secret)
        )
    finally:
        structlog.reset_defaults()
    assert fragments(active_secret, out.getvalue()) == []
