"""sObject Collections: create, update and upsert of up to 200 records a call.

Per the REST API guide (sObject Collections Create/Update/Upsert): the answer is HTTP 200 with
one SaveResult per record, in order; ``allOrNone`` false saves what it can, true saves nothing
if any record fails (the others get ``ALL_OR_NONE_OPERATION_ROLLED_BACK``). More than 200 records
fail the request with ``EXCEEDED_ID_LIMIT``. Every record is validated before any is written,
so an all-or-none call that fails leaves the org untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectors.crm.salesforce.fake import values as checks
from connectors.crm.salesforce.fake.errors import RecordError, SalesforceError
from connectors.crm.salesforce.fake.ids import well_formed
from connectors.crm.salesforce.fake.org import TASK_STATUSES, Org, Record

MAX_RECORDS = 200
_ROLLED_BACK = RecordError(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using AllOrNone "
    "header",
)
Apply = Callable[[], dict[str, Any]]


class Writer:
    """Applies collection requests to an org; ``duplicate_rule``: Contact email is watched."""

    def __init__(self, org: Org) -> None:
        self.org = org
        self.duplicate_rule = True

    def create(self, body: Any, *, allow_duplicates: bool) -> list[dict[str, Any]]:
        records, all_or_none = _records(body)
        plans: list[Apply | RecordError] = []
        claimed: set[tuple[str, str, str]] = set()
        for record in records:
            sobject = self._type_of(record)
            checks.known_fields(self.org, sobject, record)
            plans.append(self._plan_create(sobject, record, claimed, allow_duplicates))
        return _settle(plans, all_or_none)

    def update(self, body: Any, *, allow_duplicates: bool) -> list[dict[str, Any]]:
        records, all_or_none = _records(body)
        plans: list[Apply | RecordError] = []
        for record in records:
            sobject = self._type_of(record)
            checks.known_fields(self.org, sobject, record)
            plans.append(self._plan_update(sobject, record, allow_duplicates))
        return _settle(plans, all_or_none)

    def upsert(self, sobject_name: str, field: str, body: Any) -> list[dict[str, Any]]:
        records, all_or_none = _records(body)
        sobject = self.org.schema.canonical(sobject_name) or sobject_name
        definition = self.org.schema.field(sobject, field)
        if definition is None or not definition.external_id:
            raise SalesforceError(
                404,
                "NOT_FOUND",
                f"Provided external ID field does not exist or is not accessible: {field}",
            )
        plans: list[Apply | RecordError] = []
        seen: set[str] = set()
        for record in records:
            checks.known_fields(self.org, sobject, record)
            key = str(record.get(definition.name) or "").lower()
            if not key or key in seen:
                plans.append(
                    RecordError(
                        "DUPLICATE_EXTERNAL_ID", f"{field}: duplicate or blank external id", [field]
                    )
                )
                continue
            seen.add(key)
            matches = self.org.lookup(sobject, definition.name, [key]) or []
            existing = matches[0] if matches else None
            if existing is None:
                plans.append(self._plan_create(sobject, record, set(), True, upserted=True))
            else:
                body_values = {k: v for k, v in record.items() if k != definition.name}
                plans.append(
                    self._plan_update(
                        sobject, {**body_values, "id": existing["Id"]}, True, upserted=True
                    )
                )
        return _settle(plans, all_or_none)

    def _type_of(self, record: Mapping[str, Any]) -> str:
        attributes = record.get("attributes")
        name = attributes.get("type") if isinstance(attributes, dict) else None
        sobject = self.org.schema.canonical(str(name or ""))
        if sobject is None:
            raise SalesforceError(400, "INVALID_TYPE", f"sObject type '{name}' is not supported.")
        return sobject

    def _plan_create(
        self,
        sobject: str,
        record: Mapping[str, Any],
        claimed: set[tuple[str, str, str]],
        allow_duplicates: bool,
        *,
        upserted: bool = False,
    ) -> Apply | RecordError:
        try:
            values = checks.clean(self.org, sobject, record, creating=True)
            self._unique(sobject, values, None, claimed)
            self._duplicates(sobject, values, None, allow_duplicates)
        except RecordError as error:
            return error
        values = derived(sobject, values, None, self.org)

        def apply() -> dict[str, Any]:
            created = self.org.insert(sobject, values)
            return {"id": created["Id"], **({"created": True} if upserted else {})}

        return apply

    def _plan_update(
        self,
        sobject: str,
        record: Mapping[str, Any],
        allow_duplicates: bool,
        *,
        upserted: bool = False,
    ) -> Apply | RecordError:
        record_id = str(record.get("id") or record.get("Id") or "")
        try:
            target = self._target(sobject, record_id)
            values = checks.clean(self.org, sobject, record, creating=False)
            self._unique(sobject, values, target, set())
            self._duplicates(sobject, values, target, allow_duplicates)
        except RecordError as error:
            return error
        values = derived(sobject, values, target, self.org)

        def apply() -> dict[str, Any]:
            self.org.change(target, values)
            return {"id": target["Id"], **({"created": False} if upserted else {})}

        return apply

    def _target(self, sobject: str, record_id: str) -> Record:
        if not well_formed(record_id):
            raise RecordError("MALFORMED_ID", f"bad id {record_id[:40]}", ["Id"])
        if record_id[:15] in self.org.deleted:
            raise RecordError("ENTITY_IS_DELETED", "entity is deleted")
        target = self.org.get(record_id)
        if target is None or self.org.ids.sobject_of(record_id) != sobject:
            raise RecordError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
        return target

    def _unique(
        self,
        sobject: str,
        values: Mapping[str, Any],
        target: Record | None,
        claimed: set[tuple[str, str, str]],
    ) -> None:
        for name in self.org.schema.indexed(sobject):
            definition = self.org.schema.field(sobject, name)
            if definition is None or not definition.unique or values.get(name) is None:
                continue
            key = str(values[name]).lower()
            holders = [r for r in self.org.lookup(sobject, name, [key]) or [] if r is not target]
            if holders or (sobject, name, key) in claimed:
                holder = holders[0]["Id"] if holders else "(this request)"
                raise RecordError(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {name} duplicates value on record with id: {holder}",
                    [name],
                )
            claimed.add((sobject, name, key))

    def _duplicates(
        self, sobject: str, values: Mapping[str, Any], target: Record | None, allowed: bool
    ) -> None:
        """A standard duplicate rule on Contact email that blocks, unless the header allows it."""
        if sobject != "Contact" or not self.duplicate_rule or allowed or not values.get("Email"):
            return
        others = [
            r
            for r in self.org.lookup("Contact", "Email", [values["Email"]]) or []
            if r is not target
        ]
        if others:
            raise RecordError(
                "DUPLICATES_DETECTED",
                "Use one of these records? (duplicate rule: Standard Contact Duplicate Rule)",
            )


def derived(
    sobject: str, values: dict[str, Any], target: Record | None, org: Org
) -> dict[str, Any]:
    """IsClosed follows the TaskStatus picklist; CompletedDateTime is set on closing; a task's
    AccountId is its contact's (Task reference: "the contact's AccountId")."""
    if sobject == "Task" and values.get("WhoId"):
        contact = org.get(str(values["WhoId"])) or {}
        values = {**values, "AccountId": contact.get("AccountId")}
    if sobject != "Task" or "Status" not in values:
        return values
    closed = TASK_STATUSES.get(str(values["Status"]), False)
    was_closed = bool(target and target.get("IsClosed"))
    completed = (target or {}).get("CompletedDateTime")
    if closed and not was_closed:
        completed = org.clock()
    elif not closed:
        completed = None
    return {**values, "IsClosed": closed, "CompletedDateTime": completed}


def _records(body: Any) -> tuple[Sequence[Mapping[str, Any]], bool]:
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "Expected a 'records' array")
    records = body["records"]
    if len(records) > MAX_RECORDS:
        raise SalesforceError(
            400,
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 200 records into this call",
        )
    if not all(isinstance(record, dict) for record in records):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "Each record must be an object")
    return records, bool(body.get("allOrNone", False))


def _settle(plans: Sequence[Apply | RecordError], all_or_none: bool) -> list[dict[str, Any]]:
    failed = any(isinstance(plan, RecordError) for plan in plans)
    results: list[dict[str, Any]] = []
    for plan in plans:
        if isinstance(plan, RecordError):
            results.append({"success": False, "errors": [plan.json()]})
        elif all_or_none and failed:
            results.append({"success": False, "errors": [_ROLLED_BACK.json()]})
        else:
            results.append({**plan(), "success": True, "errors": []})
    return results
