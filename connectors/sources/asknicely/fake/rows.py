"""The JSON the AskNicely fake serves: listing rows, webhook deliveries, rate headers.

Row fields follow the official example as transcribed by a third party, every number a string
[api-evangelist/asknicely openapi/asknicely-responses-api-openapi.yml]; deliveries are
``{count, person, question}`` [api-evangelist/asknicely asyncapi/asknicely-webhooks.yml].
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def new_row(
    response_id: str,
    contact: str,
    *,
    email: str | None,
    name: str | None,
    score: object,
    comment: str | None,
    responded: int,
    person_properties: Mapping[str, str],
) -> dict[str, Any]:
    """A listing row for an answer given at ``responded``, sent five minutes before."""
    sent = responded - 300
    row: dict[str, Any] = {
        "response_id": response_id,
        "contact_id": contact,
        "person_id": contact,  # deprecated alias, still sent
        "name": name or "",
        "email": email or "",
        "answer": None if score is None else str(score),
        "answerlabel": None if score is None else str(score),
        "comment": comment or "",
        "note": None,
        "status": "",
        "dontcontact": "0",
        "sent": str(sent),
        "opened": str(sent + 60),
        "responded": str(responded),
        "lastemailed": str(sent),
        "created": str(sent - 86_400),
        "segment": "",
        "question_type": "nps",
        "published": "0",
    }
    # Custom contact fields carry the ``_c`` suffix [asknicely.asknice.ly/help/apidocs/auth].
    row.update({f"{key}_c": value for key, value in person_properties.items()})
    return row


def delivery(row: Mapping[str, Any], count: int) -> dict[str, Any]:
    """The webhook delivery for ``row``: the contact as ``person``, the answer as ``question``."""
    person = {
        "id": row["contact_id"],
        "name": row["name"],
        "email": row["email"],
        "created": row["created"],
        "segment": row["segment"],
    }
    person.update({k: v for k, v in row.items() if k.endswith("_c")})
    question = {
        "id": row["response_id"],
        "score": row["answer"],
        "comment": row["comment"],
        "sent": row["sent"],
        "opened": row["opened"],
        "responded": row["responded"],
        "segment": row["segment"],
        "deliverymethod": "email",
    }
    return {"count": count, "person": person, "question": question}


def minted_row(n: int, at: int) -> dict[str, Any]:
    """A valid row never seen before, answered at ``at`` (for the listing faults)."""
    second = str(max(at, 1_717_200_000))
    return {
        "response_id": f"fault-{n}",
        "contact_id": f"c-{n}",
        "email": f"fault{n}@example.org",
        "answer": str(n % 11),
        "comment": "",
        "sent": second,
        "responded": second,
        "question_type": "nps",
    }


def rate_headers() -> dict[str, str]:
    """The documented allowance headers; the fake never counts."""
    # Documented allowance headers [asknicely.asknice.ly/help/apidocs/auth]; the fake never counts.
    return {
        "RateLimit-Req10s-Limit": "200",
        "RateLimit-Req10s-Remaining": "199",
        "RateLimit-Req60s-Limit": "1000",
        "RateLimit-Req60s-Remaining": "999",
    }
