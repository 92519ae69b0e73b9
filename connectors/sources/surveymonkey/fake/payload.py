"""The JSON and headers the SurveyMonkey fake serves: responses, errors, quota, callbacks.

Shapes follow SurveyMonkey's v3 docs [SurveyMonkey/public_api_docs includes/_responses.md,
_overview.md "Error Codes" and "Headers", _webhooks.md].
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.sources.surveymonkey.fake.survey import answer_pages
from syncd.sandbox.http import Response

_ERRORS = {400: ("1002", "Bad Request"), 401: ("1011", "Authorization Error"),
           403: ("1014", "Permission Error"), 404: ("1020", "Resource Not Found"),
           429: ("1040", "Rate Limit Reached"), 500: ("1050", "Internal Server Error"),
           503: ("1051", "Service Unavailable")}  # fmt: skip
DOCS = "https://developer.surveymonkey.com/api/v3/#error-codes"


def iso(seconds: int) -> str:
    """A Unix second as SurveyMonkey writes times: ``+00:00``."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def error(status: int, message: str | None = None, **headers: str) -> Response:
    """``{"error": {id, name, message, http_status_code, docs}}`` with the documented code."""
    code, name = _ERRORS.get(status, (str(status), "Error"))
    body = {"id": code, "name": name, "message": message or name, "http_status_code": status,
            "docs": DOCS}  # fmt: skip
    return Response(status, {"error": body}, dict(headers))


def drawn(outcome: str) -> Response:
    """The answer for a chaos draw: a reset, a 500, or a 429 with or without Retry-After."""
    if outcome == "reset":
        return Response(500, drop=True)
    if outcome == "500":
        return error(500)
    return error(429, **({"Retry-After": "1"} if outcome == "429-after" else {}))


def record(
    response_id: str,
    survey: str,
    created: int,
    person: tuple[str | None, str | None, dict[str, str]],
    answers: tuple[object, str | None],
) -> dict[str, Any]:
    """One completed response of the bulk listing; ``person`` is email, name, variables."""
    email, name, variables = person
    first, _, last = (name or "").partition(" ")
    analyze = "https://www.surveymonkey.com/analyze/browse/{}?respondent_id={}"
    return {
        "id": response_id,
        "survey_id": survey,
        "collector_id": "455120993",
        "recipient_id": "",
        "response_status": "completed",
        "collection_mode": "default",
        "date_created": iso(created),
        "date_modified": iso(created),
        "total_time": 155,
        "email_address": email or "",
        "first_name": first,
        "last_name": last,
        "custom_value": "",
        "custom_variables": variables,
        "ip_address": "203.0.113.9",
        "analyze_url": analyze.format(survey, response_id),
        "pages": answer_pages(*answers),
    }


def minted(serial: int, at: int) -> dict[str, Any]:
    """A valid response never seen before, for listings that never end."""
    return record(f"fault{serial}", "fault", at, (f"fault{serial}@example.org", None, {}),
                  (serial % 11, None))  # fmt: skip


def quota_headers(limit: int, used: int, now: datetime) -> dict[str, str]:
    """``X-Ratelimit-App-Global-*``: what is left of the day and the minute, resets in seconds."""
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)
    return {
        "X-Ratelimit-App-Global-Day-Limit": str(limit),
        "X-Ratelimit-App-Global-Day-Remaining": str(max(0, limit - used)),
        "X-Ratelimit-App-Global-Day-Reset": str(int((midnight - now).total_seconds())),
        "X-Ratelimit-App-Global-Minute-Limit": "120",
        "X-Ratelimit-App-Global-Minute-Remaining": "119",
        "X-Ratelimit-App-Global-Minute-Reset": "60",
    }


def callback(
    survey: str, response_id: str, event: str, at: int, key: tuple[str, str]
) -> tuple[dict[str, str], bytes]:
    """The signed, ids-only webhook callback for one response; ``key`` is api key and secret."""
    api_key, secret = key
    payload = {
        "name": "syncd", "filter_type": "survey", "filter_id": survey,
        "event_type": event, "event_id": f"ev-{response_id}", "object_type": "response",
        "object_id": response_id, "event_datetime": iso(at),
        "resources": {"survey_id": survey, "respondent_id": response_id,
                      "collector_id": "455120993", "recipient_id": "0", "user_id": "1"},
    }  # fmt: skip
    body = json.dumps(payload).encode()
    digest = hmac.new(f"{api_key}&{secret}".encode(), body, hashlib.sha1).digest()
    return {"sm-apikey": api_key, "sm-signature": base64.b64encode(digest).decode()}, body
