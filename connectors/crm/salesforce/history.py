"""History (``[crm] history_notes``): one ``NPS_Response__c`` record per answer.

Custom objects may have unique External ID fields, so each record is upserted by its key
(``PATCH composite/sobjects/NPS_Response__c/Key__c``, 200 a call): a retry after a lost answer
updates the same record, and a later survey adds a record instead of erasing the earlier one.
"""

from __future__ import annotations

from collections.abc import Sequence

from connectors.crm.salesforce import soql
from connectors.crm.salesforce.errors import record_error
from connectors.crm.salesforce.fields import HISTORY_OBJECT, KEY_FIELD
from connectors.crm.salesforce.rest import COLLECTION_LIMIT, Rest
from connectors.crm.salesforce.tasks import key_value
from syncd.chunks import chunks
from syncd.errors import CrmSetupError, SyncdError
from syncd.model import ResponseNote

Outcome = dict[str, "str | SyncdError"]


class History:
    """Writes answers to the history object; checks once that the object exists."""

    def __init__(self, rest: Rest) -> None:
        self._rest = rest
        self._checked = False

    def add(self, notes: Sequence[ResponseNote]) -> Outcome:
        """Upsert each note's record by its key; the record id per key."""
        if notes and not self._checked:
            self._require()
        outcome: Outcome = {}
        for run in chunks(notes, COLLECTION_LIMIT):
            records = [
                {
                    "attributes": {"type": HISTORY_OBJECT},
                    KEY_FIELD: key_value(note.key),
                    "Name": note.key[:80],
                    "Contact__c": note.contact_id,
                    "Body__c": note.body[:32768],
                    "Responded_At__c": soql.literal_datetime(note.at),
                }
                for note in run
            ]
            results = self._rest.upsert(HISTORY_OBJECT, KEY_FIELD, records)
            for note, result in zip(run, results, strict=True):
                outcome[note.key] = (
                    str(result["id"])
                    if result.get("success")
                    else record_error((result.get("errors") or [{}])[0], contact=True)
                )
        return outcome

    def _require(self) -> None:
        described = self._rest.describe(HISTORY_OBJECT)
        names = {str(f.get("name")) for f in (described or {}).get("fields") or []}
        missing = {KEY_FIELD, "Contact__c", "Body__c", "Responded_At__c"} - names
        if described is None or missing:
            raise CrmSetupError(
                f"Salesforce lacks the history object {HISTORY_OBJECT} (or its fields "
                f"{', '.join(sorted(missing)) or 'all'}), needed by [crm] history_notes: run "
                "`syncd crm setup`; history waits until then"
            )
        self._checked = True
