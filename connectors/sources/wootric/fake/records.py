"""The JSON the Wootric fake serves: responses, end users, webhook deliveries.

Response fields follow the tap's schema [singer-io/tap-wootric tap_wootric/schemas/responses.json]
with REST times local with an offset (``%Y-%m-%d %H:%M:%S %z``, as the tap parses them); end
users carry ``email``, ``external_id`` and ``properties`` [docs.wootric.com/api]; a delivery is
``{response{..., email, external_id, end_user_properties}, event_name, timestamp, account_token,
survey_mode}`` with ISO times [docs.wootric.com/webhooks].
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.sources.wootric.times import REST_FORMAT, rest_format


def new_record(
    response_id: int, user_id: int, score: object, comment: str | None, at: datetime
) -> dict[str, Any]:
    """A response as the listing serves it, created (and last updated) at ``at``."""
    return {
        "id": response_id,
        "end_user_id": user_id,
        "survey_id": 88123,
        "score": score,
        "text": comment,
        "completed": True,
        "excluded_from_calculations": False,
        "ip_address": "198.51.100.23",
        "origin_url": "https://app.example.com/",
        "tags": [],
        "created_at": rest_format(at),
        "updated_at": rest_format(at),
    }


def end_user(
    user_id: int, email: str | None, properties: Mapping[str, str], at: datetime
) -> dict[str, Any]:
    """An end user; ``customer_id`` among the properties is its ``external_id``, as a company
    sends it with its Wootric snippet."""
    return {
        "id": user_id,
        "email": email,
        "external_id": properties.get("customer_id"),
        "properties": dict(properties),
        "created_at": rest_format(at),
        "updated_at": rest_format(at),
    }


def delivery(record: Mapping[str, Any], user: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """The JSON delivery of a response ``created`` event."""
    pushed = {
        **record,
        "email": user.get("email"),
        "external_id": user.get("external_id"),
        "end_user_properties": user.get("properties", {}),
    }
    for key in ("created_at", "updated_at"):
        moment = datetime.strptime(record[key], REST_FORMAT)
        pushed[key] = moment.isoformat(timespec="milliseconds")
    return {
        "response": pushed,
        "event_name": "created",
        "timestamp": now.isoformat(timespec="milliseconds"),
        "account_token": "NPS-sandbox",
        "survey_mode": "NPS",
    }


def minted(n: int, low: int) -> dict[str, Any]:
    """A valid response never seen before, created at ``low`` (for the listing faults)."""
    at = rest_format(datetime.fromtimestamp(max(low, 1_717_200_000), UTC))
    return {
        "id": 9_000_000 + n,
        "end_user_id": 9_000_000 + n,
        "score": n % 11,
        "text": None,
        "created_at": at,
        "updated_at": at,
        "end_user": {"id": 9_000_000 + n, "email": f"fault{n}@example.org"},
    }
