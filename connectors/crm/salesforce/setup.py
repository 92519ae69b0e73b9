"""``syncd crm setup`` and ``syncd check`` for Salesforce: describe, then create what is missing.

Fields and the key object are created through the Tooling API where the integration user may
("Customize Application"); otherwise each step fails with the exact definition to create by
hand. A field created this way is visible to System Administrators only: grant the integration
user field-level security on it (a permission set) before syncd writes it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from connectors.crm.salesforce.fields import (
    KEY_OBJECT,
    OBJECTS,
    FieldSpec,
    RollupFieldNames,
    SalesforceFieldNames,
    history_fields,
    object_body,
    required_fields,
    rollup_fields,
)
from connectors.crm.salesforce.rest import Rest, Row
from syncd.errors import CrmError, CrmSetupError
from syncd.model import CheckResult, SetupState, SetupStep


class Provisioner:
    """Compares the org's describe results with what syncd needs."""

    def __init__(
        self, rest: Rest, fields: SalesforceFieldNames, rollup: RollupFieldNames, *, rolls_up: bool
    ) -> None:
        self._rest = rest
        self._specs = [*required_fields(fields), *rollup_fields(rollup, required=rolls_up)]
        self._all = [*self._specs, *history_fields()]

    def missing(self) -> list[str]:
        """``Object.Field__c`` of every required field (or object) the org lacks."""
        described: dict[str, Row | None] = {}
        absent: list[str] = []
        for spec in self._specs:
            if spec.sobject not in described:
                described[spec.sobject] = self._rest.describe(spec.sobject)
            if spec.required and not _has(described[spec.sobject], spec):
                absent.append(spec.full_name)
        return absent

    def require(self) -> None:
        """Raise ``CrmSetupError`` (blocking) while anything required is missing."""
        absent = self.missing()
        if absent:
            raise CrmSetupError(
                f"Salesforce lacks {', '.join(absent)}: run `syncd crm setup` (or create them "
                "as it prints); delivery waits until then"
            )

    def check(self, name: str) -> list[CheckResult]:
        """One result for the sign-in and one for the fields."""
        what = f"crm {name} custom fields and {KEY_OBJECT}"
        try:
            absent = self.missing()
        except CrmError as error:
            return [CheckResult(f"crm {name} sign-in and describe", False, str(error))]
        ok = CheckResult(f"crm {name} sign-in and describe", True, "signed in")
        if absent:
            return [
                ok,
                CheckResult(what, False, f"missing {', '.join(absent)}: run `syncd crm setup`"),
            ]
        return [ok, CheckResult(what, True, "all exist")]

    def run(self, *, dry_run: bool) -> Sequence[SetupStep]:
        """One step per custom object, one per field."""
        steps: list[SetupStep] = []
        described: dict[str, Row | None] = {}
        for name, label, required in OBJECTS:
            described[name] = self._rest.describe(name)
            steps.append(self._object_step(name, label, required, described[name], dry_run))
        for spec in self._all:
            if described.get(spec.sobject) is None:
                described[spec.sobject] = self._rest.describe(spec.sobject)
            steps.append(self._field_step(spec, described[spec.sobject], dry_run))
        return steps

    def _object_step(
        self, name: str, label: str, required: bool, described: Row | None, dry_run: bool
    ) -> SetupStep:
        what = f"custom object {name} ({label})"
        if described is not None:
            return SetupStep(what, SetupState.EXISTS, required=required)
        if dry_run:
            return SetupStep(what, SetupState.WOULD_CREATE, required=required)
        return self._create("CustomObject", object_body(name, label), what, required)

    def _field_step(self, spec: FieldSpec, described: Row | None, dry_run: bool) -> SetupStep:
        what = f"field {spec.full_name} ({spec.metadata_type})"
        if _has(described, spec):
            return SetupStep(what, SetupState.EXISTS, required=spec.required)
        if dry_run:
            return SetupStep(what, SetupState.WOULD_CREATE, required=spec.required)
        return self._create("CustomField", spec.tooling_body(), what, spec.required)

    def _create(self, kind: str, body: Row, what: str, required: bool) -> SetupStep:
        try:
            self._rest.tooling_create(kind, body)
        except CrmError as error:
            definition = json.dumps(body, sort_keys=True)
            return SetupStep(
                what,
                SetupState.FAILED,
                f"{error}. Create it by hand (Setup > Object Manager), or with the Tooling API "
                f"as POST tooling/sobjects/{kind} {definition}",
                required=required,
            )
        return SetupStep(
            what,
            SetupState.CREATED,
            "grant the integration user field-level security on it",
            required=required,
        )


def _has(described: Row | None, spec: FieldSpec) -> bool:
    if described is None:
        return False
    names = {
        str(f.get("name") or "").lower(): f
        for f in described.get("fields") or []
        if isinstance(f, dict)
    }
    found = names.get(spec.name.lower())
    if found is None:
        return False
    return not spec.external_id or bool(found.get("externalId") and found.get("unique"))
