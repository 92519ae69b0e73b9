"""``POST /composite``: up to 25 subrequests in one call, at most 5 of them collections or queries.

REST API guide ("Composite"): the whole request counts as one API call; the answer is HTTP 200
with ``compositeResponse``, one ``{"body", "httpHeaders", "httpStatusCode", "referenceId"}`` per
subrequest, each subrequest failing or succeeding on its own when ``allOrNone`` is false.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.crm.salesforce.fake.errors import SalesforceError
from syncd.sandbox.http import Request

MAX_SUBREQUESTS = 25
MAX_HEAVY = 5
Serve = Callable[[Request], tuple[int, Any]]


def serve(inner: Serve, request: Request) -> dict[str, Any]:
    """Run each subrequest through ``inner`` (the data API) and collect the answers."""
    body = request.json()
    parts = body.get("compositeRequest") if isinstance(body, dict) else None
    if not isinstance(parts, list) or not all(isinstance(p, dict) for p in parts):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "compositeRequest must be a list")
    if len(parts) > MAX_SUBREQUESTS:
        raise SalesforceError(400, "LIMIT_EXCEEDED", "Max 25 subrequests are allowed")
    heavy = sum(
        1
        for p in parts
        if "/composite/sobjects" in str(p.get("url")) or "/query" in str(p.get("url"))
    )
    if heavy > MAX_HEAVY:
        raise SalesforceError(
            400, "LIMIT_EXCEEDED", "Max 5 sObject Collections or query subrequests are allowed"
        )
    answers = []
    for part in parts:
        url = urlsplit(str(part.get("url") or ""))
        headers = {k.lower(): str(v) for k, v in (part.get("httpHeaders") or {}).items()}
        sub = Request(
            str(part.get("method") or "GET").upper(),
            url.path,
            parse_qs(url.query, keep_blank_values=True),
            {**request.headers, **headers},
            json.dumps(part["body"]).encode() if "body" in part else b"",
        )
        try:
            status, answer = inner(sub)
        except SalesforceError as error:
            status, answer = error.status, error.body
        answers.append(
            {
                "body": answer,
                "httpHeaders": {},
                "httpStatusCode": status,
                "referenceId": str(part.get("referenceId") or ""),
            }
        )
    return {"compositeResponse": answers}
