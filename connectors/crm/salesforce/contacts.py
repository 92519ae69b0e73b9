"""Contacts: found by email or an external-id field, created when asked, NPS fields written."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import structlog

from connectors.crm.salesforce import soql
from connectors.crm.salesforce.errors import first_code, record_error
from connectors.crm.salesforce.fields import SalesforceFieldNames
from connectors.crm.salesforce.packing import Packer
from connectors.crm.salesforce.rest import COLLECTION_LIMIT, Rest, Row
from syncd.chunks import chunks
from syncd.errors import SyncdError
from syncd.model import Contact, ContactField, ContactUpdate, NewContact, NpsFields

log = structlog.get_logger(__name__)
Outcome = dict[str, "str | SyncdError"]
_OLDEST = datetime.min.replace(tzinfo=UTC)


class Contacts:
    """The contact side of the connector; ``duplicates``: ``skip`` or ``latest``."""

    def __init__(
        self, rest: Rest, pack: Packer, fields: SalesforceFieldNames, duplicates: str
    ) -> None:
        self._rest = rest
        self._pack = pack
        self._fields = fields
        self._duplicates = duplicates

    def find(self, field: ContactField, values: Sequence[str]) -> dict[str, Contact]:
        """One query per ``IN`` list; emails compare without case, other values as given."""
        column = field.property or "Email"
        wanted: dict[str, str] = {}
        for value in values:
            text = (value or "").strip()
            if text:
                key = text.lower() if field.property is None else text
                wanted.setdefault(text.lower(), key)
        found: dict[str, list[Row]] = defaultdict(list)
        standard = ("Id", "Email", "OwnerId", "LastModifiedDate")
        # SOQL refuses a field selected twice, whatever its case.
        extra = [] if column.lower() in {f.lower() for f in standard} else [soql.name(column)]
        select = f"SELECT {', '.join([*standard, *extra])} FROM Contact"
        queries = [
            f"{select} WHERE {soql.in_clause(column, run)}"
            for run in soql.in_lists(list(wanted.values()))
        ]
        for rows in self._pack.rows(queries):
            for row in rows:
                held = str(_get(row, column) or "").lower()
                if held in wanted:
                    found[wanted[held]].append(row)
        return {key: contact for key, rows in found.items() if (contact := self._pick(key, rows))}

    def _pick(self, key: str, rows: list[Row]) -> Contact | None:
        if len(rows) > 1:
            if self._duplicates == "skip":
                log.warning(
                    "crm.contacts.ambiguous",
                    vendor="salesforce",
                    matches=len(rows),
                    detail="several contacts hold this value; none is written "
                    '([crm] duplicate_emails = "latest" picks the most recently modified)',
                )
                return None
            # Ties (same millisecond) go to the later id: ids grow as records are created.
            rows = sorted(
                rows,
                key=lambda r: (
                    soql.parse_datetime(r.get("LastModifiedDate")) or _OLDEST,
                    str(r.get("Id")),
                ),
            )
        row = rows[-1]
        email = str(row.get("Email") or "").strip().lower() or None
        return Contact(id=str(row["Id"]), email=email, owner_id=row.get("OwnerId") or None)

    def create(self, contacts: Sequence[NewContact]) -> Outcome:
        """Contacts for emails no contact holds; an email someone holds gives that contact."""
        outcome: Outcome = {}
        emails = list(dict.fromkeys(c.email.strip().lower() for c in contacts))
        existing = self.find(ContactField(), emails)
        missing = [e for e in emails if e not in existing]
        created: dict[str, str | SyncdError] = {}
        for run in chunks(missing, COLLECTION_LIMIT):
            records = [
                {
                    "attributes": {"type": "Contact"},
                    "Email": e,
                    "LastName": e.split("@")[0][:80] or e,
                }
                for e in run
            ]
            results = self._rest.create(records, all_or_none=False, idempotent=False)
            for email, result in zip(run, results, strict=True):
                if result.get("success"):
                    created[email] = str(result["id"])
                elif first_code(result.get("errors")) == "DUPLICATES_DETECTED":
                    created[email] = "?"  # someone else created it meanwhile: look it up
                else:
                    created[email] = record_error((result.get("errors") or [{}])[0], contact=False)
        late = self.find(ContactField(), [e for e, v in created.items() if v == "?"])
        for contact in contacts:
            email = contact.email.strip().lower()
            if email in existing:
                outcome[contact.key] = existing[email].id
            elif created.get(email) == "?":
                outcome[contact.key] = (
                    late[email].id
                    if email in late
                    else record_error(
                        {"statusCode": "DUPLICATES_DETECTED", "message": "duplicate contact"},
                        contact=False,
                    )
                )
            else:
                outcome[contact.key] = created[email]
        return outcome

    def update(self, updates: Sequence[ContactUpdate]) -> Outcome:
        """The NPS fields and loop-closed time, 200 records a call, never one contact twice in a
        call."""
        outcome: Outcome = {}
        rounds: list[list[ContactUpdate]] = []
        for update in updates:  # later updates of a contact go to later rounds, in order
            index = sum(1 for r in rounds if any(u.contact_id == update.contact_id for u in r))
            if index == len(rounds):
                rounds.append([])
            rounds[index].append(update)
        for one in rounds:
            runs = list(chunks(one, COLLECTION_LIMIT))
            batches = [
                [
                    {"attributes": {"type": "Contact"}, "id": u.contact_id, **self.written(u)}
                    for u in run
                ]
                for run in runs
            ]
            for run, results in zip(runs, self._pack.update(batches), strict=True):
                for update, result in zip(run, results, strict=True):
                    outcome[update.key] = (
                        update.contact_id
                        if result.get("success")
                        else record_error((result.get("errors") or [{}])[0], contact=True)
                    )
        return outcome

    def written(self, update: ContactUpdate) -> dict[str, Any]:
        """The NPS fields (if any) and, where configured, the loop-closed time (null clears)."""
        values = {} if update.fields is None else self.values(update.fields)
        if self._fields.loop_closed_at:
            closed = update.loop_closed_at
            values[self._fields.loop_closed_at] = (
                None if closed is None else soql.literal_datetime(closed)
            )
        return values

    def values(self, fields: NpsFields) -> dict[str, Any]:
        """syncd's own fields only, under their configured API names."""
        names = self._fields
        pairs: list[tuple[str, Any]] = [
            (names.score, fields.score),
            (names.category, fields.category.value),
            (names.comment, fields.comment),
            (names.responded_at, soql.literal_datetime(fields.responded_at)),
            (names.link, fields.link),
            (names.survey, fields.survey),
            (names.source, fields.source),
        ]
        return {name: value for name, value in pairs if name}

    def account_owners(self, contact_ids: Sequence[str]) -> Mapping[str, str]:
        """Per contact, the owner of its account."""
        owners: dict[str, str] = {}
        for run in soql.in_lists(list(dict.fromkeys(contact_ids))):
            query = f"SELECT Id, Account.OwnerId FROM Contact WHERE {soql.in_clause('Id', run)}"
            for row in self._rest.rows(query):
                account = row.get("Account")
                owner = account.get("OwnerId") if isinstance(account, dict) else None
                if owner:
                    owners[str(row["Id"])] = str(owner)
        return owners


def _get(row: Row, field: str) -> object:
    """A row's value for ``field``, whatever case the query named it in."""
    if field in row:
        return row[field]
    return next((value for key, value in row.items() if key.lower() == field.lower()), None)
