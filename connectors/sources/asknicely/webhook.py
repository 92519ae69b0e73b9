"""AskNicely's webhook: a static secret header to verify, ``{count, person, question}`` to read.

AskNicely signs nothing; its Webhooks app only sends custom headers configured there, so a long
random secret in one of them is the only proof of origin. One webhook fires on submission
(``count`` 1) and again on every change of score or comment (``count`` above 1), with no event
type [api-evangelist/asknicely asyncapi/asknicely-webhooks.yml, summarising AskNicely's
"Triggering Webhooks in AskNicely" article].
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping

from syncd.edge.values import whole_number


def secret_matches(headers: Mapping[str, str], header: str, secret: str | None) -> bool:
    """Whether ``header`` carries ``secret``, compared in constant time; never without one."""
    if not secret:
        return False
    given = headers.get(header.lower())
    if given is None:
        return False
    return hmac.compare_digest(given.strip().encode("utf-8", "replace"), secret.encode())


def delivery(body: bytes) -> tuple[object, int]:
    """The delivery as a listing row (or what it holds instead), and its ``count``.

    A body that is not a JSON object comes back as is, for the quarantine to keep.
    """
    try:
        payload: object = json.loads(body)
    except (ValueError, RecursionError):
        return body.decode("utf-8", "replace")[:10_000], 1
    if not isinstance(payload, dict):
        return payload, 1
    person, question = payload.get("person"), payload.get("question")
    if not isinstance(person, dict) or not isinstance(question, dict):
        return payload, 1
    try:
        count = whole_number(payload.get("count", 1), "count")
    except ValueError:
        count = 1
    return _as_row(person, question), count


def _as_row(person: dict[str, object], question: dict[str, object]) -> dict[str, object]:
    # The listing's field names, so one reader handles both ways in.
    row: dict[str, object] = {
        key: value for key, value in person.items() if isinstance(key, str) and key.endswith("_c")
    }
    row.update(
        response_id=question.get("id"),
        contact_id=person.get("id"),
        email=person.get("email"),
        name=person.get("name"),
        answer=question.get("score"),
        comment=question.get("comment"),
        responded=question.get("responded"),
        sent=question.get("sent"),
        segment=question.get("segment", person.get("segment")),
    )
    if "question_type" in question:
        row["question_type"] = question["question_type"]
    return row
