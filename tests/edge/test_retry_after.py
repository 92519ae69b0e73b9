"""The one ``Retry-After`` parser: delta-seconds, HTTP-dates in every zone spelling, garbage."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from urllib3._collections import HTTPHeaderDict

from syncd.edge.retry_after import (
    MAX_RETRY_AFTER_SECONDS,
    header,
    parse_retry_after,
    retry_after,
)

NOW = datetime(2026, 12, 1, 15, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("7", 7.0),
        ("0", 0.0),
        (" 3 ", 3.0),
        ("1.5", 1.5),
        ("Tue, 01 Dec 2026 15:00:30 GMT", 30.0),
        ("Tue, 01 Dec 2026 15:00:30 -0000", 30.0),
        ("Tue, 01 Dec 2026 15:00:30 +0000", 30.0),
        ("Tue, 01 Dec 2026 16:00:30 +0100", 30.0),
        ("Tuesday, 01-Dec-26 15:00:30 GMT", 30.0),
        ("Tue Dec  1 15:00:30 2026", 30.0),
        ("Tue, 01 Dec 2026 14:59:00 GMT", 0.0),
        ("Mon, 30 Nov 2026 15:00:00 -0000", 0.0),
        ("999999999999", MAX_RETRY_AFTER_SECONDS),
        ("Fri, 01 Dec 2034 15:00:00 GMT", MAX_RETRY_AFTER_SECONDS),
        (None, None),
        ("", None),
        ("   ", None),
        ("soon", None),
        ("-5", None),
        ("inf", None),
        ("nan", None),
        ("1e3", None),
        ("Tue, 32 Dec 2026 15:00:30 GMT", None),
        ("Tue, 01 Dec 99999 15:00:30 GMT", None),
    ],
)
def test_retry_after_values(value: str | None, seconds: float | None) -> None:
    assert parse_retry_after(value, NOW) == seconds


@pytest.mark.parametrize(
    "headers",
    [
        {"Retry-After": "4"},
        {"retry-after": "4"},
        {"RETRY-AFTER": "4"},
        httpx.Headers({"Retry-After": "4"}),
        HTTPHeaderDict({"retry-after": "4"}),
    ],
)
def test_retry_after_is_read_from_any_header_container(headers: object) -> None:
    assert retry_after(headers, NOW) == 4.0


@pytest.mark.parametrize("headers", [None, {}, {"X-Other": "4"}, object()])
def test_no_retry_after_header_is_none(headers: object) -> None:
    assert retry_after(headers, NOW) is None


def test_header_lookup_ignores_case() -> None:
    assert header({"X-HubSpot-Correlation-Id": "abc"}, "x-hubspot-correlation-id") == "abc"


def test_now_defaults_to_the_wall_clock() -> None:
    # A date long past is 0 whatever today is; a naive "-0000" date must not raise TypeError.
    assert retry_after({"Retry-After": "Thu, 01 Jan 2015 00:00:00 -0000"}) == 0.0
