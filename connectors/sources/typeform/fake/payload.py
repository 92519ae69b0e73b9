"""The JSON the Typeform fake serves: items, answers, errors and signed webhook deliveries.

Shapes follow Typeform's reference [typeform.com/developers/responses/reference/
retrieve-responses/; webhooks/example-payload/; webhooks/secure-your-webhooks/].
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from typing import Any

from syncd.sandbox.http import Response


def iso(seconds: int) -> str:
    """A Unix second as Typeform writes times: ISO-8601 with ``Z``."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def error(status: int, code: str, description: str, **headers: str) -> Response:
    """Typeform's error body: ``{"code", "description"}`` (retrieve-responses, 400)."""
    return Response(status, {"code": code, "description": description}, dict(headers))


def drawn(outcome: str) -> Response:
    """The answer for a chaos draw: a reset, a 500, or a 429 with or without Retry-After."""
    if outcome == "reset":
        return Response(500, drop=True)
    if outcome == "500":
        return error(500, "INTERNAL_SERVER_ERROR", "Something went wrong")
    headers = {"Retry-After": "1"} if outcome == "429-after" else {}
    return error(429, "TOO_MANY_REQUESTS", "Rate limit exceeded", **headers)


def answers(refs: tuple[str, str], score: object, comment: str | None) -> list[dict[str, Any]]:
    """An NPS answer (``{"type": "number", "number": N}``) and, if given, a text comment."""
    nps_ref, comment_ref = refs
    found: list[dict[str, Any]] = [
        {
            "field": {"id": "Xy12AbCd34Ef", "ref": nps_ref, "type": "nps"},
            "type": "number",
            "number": score,
        }
    ]
    if comment is not None:
        field = {"id": "Qq98ZzYy76Ww", "ref": comment_ref, "type": "long_text"}
        found.append({"field": field, "type": "text", "text": comment})
    return found


def item(token: str, submitted: int, hidden: dict[str, str], found: list[Any]) -> dict[str, Any]:
    """One completed response as the listing serves it."""
    return {
        "landing_id": token,
        "token": token,
        "response_id": token,
        "response_type": "completed",
        "landed_at": iso(submitted - 75),
        "submitted_at": iso(submitted),
        "metadata": {"platform": "other", "browser": "default", "user_agent": "sandbox"},
        "hidden": hidden,
        "calculated": {"score": 0},
        "variables": [],
        "answers": found,
    }


def minted(serial: int, at: int, refs: tuple[str, str]) -> dict[str, Any]:
    """A valid response never seen before, for listings that never end."""
    token = f"fault{serial:011d}"
    return item(
        token, at, {"email": f"fault{serial}@example.org"}, answers(refs, serial % 11, None)
    )


def delivery(record: dict[str, Any], form: str, secret: str) -> tuple[dict[str, str], bytes]:
    """The signed ``form_response`` webhook Typeform would POST for ``record``."""
    response = copy.deepcopy(record)
    for key in ("landing_id", "response_id", "response_type", "metadata"):
        response.pop(key, None)
    response["form_id"] = form
    response["definition"] = {"id": form, "title": "Sandbox NPS", "fields": []}
    token = str(response.get("token", ""))
    payload = {"event_id": f"01EV{token[:22].upper()}", "event_type": "form_response"}
    body = json.dumps(payload | {"form_response": response}).encode()
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {"typeform-signature": "sha256=" + base64.b64encode(digest).decode()}, body
