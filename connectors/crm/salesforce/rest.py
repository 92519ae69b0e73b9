"""The REST calls syncd makes, each one simple-salesforce request through the transport."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from simple_salesforce.api import Salesforce

from connectors.crm.salesforce.transport import Transport
from syncd.errors import CrmOutcomeUnknown, CrmSetupError

Row = dict[str, Any]
#: sObject Collections take at most 200 records a call.
COLLECTION_LIMIT = 200


class Rest:
    """Queries, collections and describe over one ``Transport``."""

    def __init__(self, transport: Transport, *, allow_duplicates: bool) -> None:
        self._transport = transport
        self._headers = (
            {"Sforce-Duplicate-Rule-Header": "allowSave=true"} if allow_duplicates else {}
        )

    def query(self, soql: str) -> Iterator[list[Row]]:
        """Each page of the query's records, following ``nextRecordsUrl``."""
        page: Mapping[str, Any] = self._transport.call(lambda sf: sf.query(soql), idempotent=True)
        yield [r for r in page.get("records") or [] if isinstance(r, dict)]
        if not page.get("done", True) and page.get("nextRecordsUrl"):
            yield from self.more(str(page["nextRecordsUrl"]))

    def more(self, next_url: str) -> Iterator[list[Row]]:
        """The pages of a query from its ``nextRecordsUrl`` on."""
        while True:
            page: Mapping[str, Any] = self._transport.call(_more(next_url), idempotent=True)
            yield [r for r in page.get("records") or [] if isinstance(r, dict)]
            if page.get("done", True) or not page.get("nextRecordsUrl"):
                return
            next_url = str(page["nextRecordsUrl"])

    def rows(self, soql: str) -> list[Row]:
        """Every record of the query."""
        return [row for page in self.query(soql) for row in page]

    def create(self, records: Sequence[Row], *, all_or_none: bool, idempotent: bool) -> list[Row]:
        """``POST composite/sobjects``: one SaveResult per record, in order."""
        body = {"allOrNone": all_or_none, "records": list(records)}
        return self._results(
            self._transport.call(
                lambda sf: sf.restful(
                    "composite/sobjects", method="POST", json=body, headers=self._headers
                ),
                idempotent=idempotent,
            ),
            len(records),
        )

    def update(self, records: Sequence[Row]) -> list[Row]:
        """``PATCH composite/sobjects`` with ``allOrNone`` false: what can be saved is saved."""
        body = {"allOrNone": False, "records": list(records)}
        return self._results(
            self._transport.call(
                lambda sf: sf.restful(
                    "composite/sobjects", method="PATCH", json=body, headers=self._headers
                ),
                idempotent=True,
            ),
            len(records),
        )

    def upsert(self, sobject: str, field: str, records: Sequence[Row]) -> list[Row]:
        """``PATCH composite/sobjects/<type>/<externalIdField>``: one result per record."""
        body = {"allOrNone": False, "records": list(records)}
        return self._results(
            self._transport.call(
                lambda sf: sf.restful(
                    f"composite/sobjects/{sobject}/{field}", method="PATCH", json=body
                ),
                idempotent=True,
            ),
            len(records),
        )

    def describe(self, sobject: str) -> Row | None:
        """``sobjects/<type>/describe``, or None when the object does not exist."""
        try:
            result = self._transport.call(
                lambda sf: sf.restful(f"sobjects/{sobject}/describe"), idempotent=True
            )
        except CrmSetupError:
            return None
        return result if isinstance(result, dict) else None

    def tooling_create(self, kind: str, body: Row) -> Any:
        """``POST tooling/sobjects/<kind>`` (CustomField, CustomObject)."""
        return self._transport.call(
            lambda sf: sf.restful(f"tooling/sobjects/{kind}", method="POST", json=body),
            idempotent=False,
        )

    @staticmethod
    def _results(answer: object, expected: int) -> list[Row]:
        if (
            not isinstance(answer, list)
            or len(answer) != expected
            or not all(isinstance(r, dict) for r in answer)
        ):
            raise CrmOutcomeUnknown(
                f"Salesforce answered a collection of {expected} with {type(answer).__name__}"
            )
        return list(answer)


def _more(url: str) -> Callable[[Salesforce], Any]:
    """The call for the next page of a query, at ``nextRecordsUrl``."""

    def call(sf: Salesforce) -> Any:
        return sf.query_more(url, identifier_is_url=True)

    return call
