"""Several collections or queries in one ``POST /composite`` call, which counts as one API call.

REST API guide ("Composite"; crm-api-facts §1.6): up to 25 subrequests, at most 5 of them sObject
Collections or queries, so one call carries up to 1,000 record writes or 5 lookups. Subrequests
run independently (``allOrNone`` false at the top); a subrequest that fails as a whole is raised
as the error Salesforce's status and error array mean, like a request of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import quote_plus

from simple_salesforce.api import Salesforce

from connectors.crm.salesforce.rest import Rest, Row
from connectors.crm.salesforce.transport import Transport
from syncd.errors import CrmOutcomeUnknown

#: Collections or queries per composite call.
MAX_HEAVY = 5
Part = tuple[str, str, Any]  # (method, path under /services/data/vNN.0/, body or None)


class Packer:
    """Sends groups of collection and query subrequests, five to a call."""

    def __init__(
        self, rest: Rest, transport: Transport, version: str, *, allow_duplicates: bool
    ) -> None:
        self._rest = rest
        self._transport = transport
        self._base = f"/services/data/v{version}/"
        self._headers = (
            {"Sforce-Duplicate-Rule-Header": "allowSave=true"} if allow_duplicates else {}
        )

    def rows(self, queries: Sequence[str]) -> list[list[Row]]:
        """Every record of each query, in order; pages past the first follow ``nextRecordsUrl``."""
        parts: list[Part] = [("GET", f"query?q={_encode(q)}", None) for q in queries]
        answers = self._send(parts, idempotent=True)
        out: list[list[Row]] = []
        for answer in answers:
            if not isinstance(answer, dict):
                raise CrmOutcomeUnknown("Salesforce answered a query without its records")
            rows = [r for r in answer.get("records") or [] if isinstance(r, dict)]
            if not answer.get("done", True) and answer.get("nextRecordsUrl"):
                rows += [
                    row for page in self._rest.more(str(answer["nextRecordsUrl"])) for row in page
                ]
            out.append(rows)
        return out

    def create(
        self, batches: Sequence[Sequence[Row]], *, all_or_none: bool, idempotent: bool
    ) -> list[list[Row]]:
        """One collection create per batch (each at most 200 records)."""
        parts: list[Part] = [
            ("POST", "composite/sobjects", {"allOrNone": all_or_none, "records": list(b)})
            for b in batches
        ]
        return self._results(self._send(parts, idempotent=idempotent), batches)

    def update(self, batches: Sequence[Sequence[Row]]) -> list[list[Row]]:
        """One collection update per batch, ``allOrNone`` false."""
        parts: list[Part] = [
            ("PATCH", "composite/sobjects", {"allOrNone": False, "records": list(b)})
            for b in batches
        ]
        return self._results(self._send(parts, idempotent=True), batches)

    def _send(self, parts: Sequence[Part], *, idempotent: bool) -> list[Any]:
        answers: list[Any] = []
        for start in range(0, len(parts), MAX_HEAVY):
            group = parts[start : start + MAX_HEAVY]
            body = {
                "allOrNone": False,
                "compositeRequest": [
                    {
                        "method": method,
                        "url": self._base + path,
                        "referenceId": f"part{index}",
                        **({"body": sub} if sub is not None else {}),
                        **({"httpHeaders": self._headers} if self._headers else {}),
                    }
                    for index, (method, path, sub) in enumerate(group)
                ],
            }
            answer = self._transport.call(_composite(body), idempotent=idempotent)
            answers += self._unpack(answer, len(group))
        return answers

    def _unpack(self, answer: object, expected: int) -> list[Any]:
        items = answer.get("compositeResponse") if isinstance(answer, dict) else None
        if not isinstance(items, list) or len(items) != expected:
            raise CrmOutcomeUnknown(
                f"Salesforce answered a composite of {expected} without results"
            )
        by_ref = {str(i.get("referenceId")): i for i in items if isinstance(i, dict)}
        out: list[Any] = []
        for index in range(expected):
            item = by_ref.get(f"part{index}") or {}
            status = int(item.get("httpStatusCode") or 0)
            if not 200 <= status < 300:
                raise self._transport.refusal(status, item.get("body"))
            out.append(item.get("body"))
        return out

    @staticmethod
    def _results(answers: Sequence[Any], batches: Sequence[Sequence[Row]]) -> list[list[Row]]:
        out: list[list[Row]] = []
        for answer, batch in zip(answers, batches, strict=True):
            if (
                not isinstance(answer, list)
                or len(answer) != len(batch)
                or not all(isinstance(r, dict) for r in answer)
            ):
                raise CrmOutcomeUnknown("Salesforce answered a collection without its results")
            out.append(list(answer))
        return out


def _composite(body: dict[str, Any]) -> Callable[[Salesforce], Any]:
    def call(sf: Salesforce) -> Any:
        return sf.restful("composite", method="POST", json=body)

    return call


def _encode(query: str) -> str:
    return quote_plus(query)
