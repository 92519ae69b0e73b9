"""``HubSpotCrm.setup``: create syncd's property group and properties, only where missing.

Reads first (the contact property group, every contact property in one listing, the task key
property), then creates what is missing, so a second run creates nothing. A failure of one step
(a 403 naming the scope the token lacks, say) is reported for that step and the others go on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import hubspot.crm.properties.models as property_models

from connectors.crm.hubspot.errors import HubSpotRejected
from connectors.crm.hubspot.preflight import NOT_WRITTEN
from connectors.crm.hubspot.properties import GROUP, contact_properties
from connectors.crm.hubspot.records import NOT_ARCHIVED, list_of
from connectors.crm.hubspot.rollup_names import COMPANY_GROUP, company_properties
from connectors.crm.hubspot.sdk import sdk_client
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.setup import note_key_property, task_key_property
from connectors.crm.hubspot.transport import Transport
from syncd.errors import CrmError
from syncd.model import SetupState, SetupStep


def _fix_unique(kind: str) -> str:
    setting = "[crm.fields] task_key" if kind == "tasks" else "[crm] note_key"
    return (
        "exists but does not require unique values, which can only be set when a property is "
        f"created: name another {kind[:-1]} property in {setting} and run setup again"
    )


_SINGULAR = {"contacts": "contact", "companies": "company"}


class PortalSetup:
    """The reads and creates of ``syncd crm setup`` against one portal."""

    def __init__(self, settings: HubSpotSettings, transport: Transport, *, dry_run: bool) -> None:
        self._settings = settings
        self._transport = transport
        self._dry_run = dry_run
        client = sdk_client(settings)
        self._groups = client.crm.properties.groups_api
        self._core = client.crm.properties.core_api

    def run(self) -> list[SetupStep]:
        """The group, each contact property, the task key and note key properties: a step each."""
        # The group only tidies the contact record up: startup does not insist on it.
        steps = [replace(self._group(), required=False)]
        try:
            existing = self._contact_property_names()
        except CrmError as error:
            steps.append(SetupStep("contact properties", SetupState.FAILED, str(error)))
        else:
            group_missing = steps[0].missing
            for field, body in contact_properties(self._settings.fields):
                step = self._contact_property(body, existing, group_missing)
                steps.append(replace(step, required=field not in NOT_WRITTEN))
        steps.append(self._task_key())
        steps.append(self._note_key())
        return steps + self._company_rollup()

    def close(self) -> None:
        """Drop the pooled connections of the SDK clients this object opened."""
        for api in (self._groups, self._core):
            api.api_client.rest_client.pool_manager.clear()
            api.api_client.close()

    def _company_rollup(self) -> list[SetupStep]:
        """The company group and properties of ``[crm] company_rollup``, required while it is on.

        Created only while the roll-up is on, so a portal that does not use it gets nothing."""
        if not self._settings.company_rollup:
            return []
        steps = [replace(self._group("companies", COMPANY_GROUP), required=False)]
        try:
            existing = self._property_names("companies")
        except CrmError as error:
            return [*steps, SetupStep("company properties", SetupState.FAILED, str(error))]
        for body in company_properties(self._settings.rollup_fields):
            step = self._property("companies", body, existing, steps[0].missing)
            steps.append(replace(step, what=f"company {step.what} for [crm] company_rollup"))
        return steps

    def _group(self, kind: str = "contacts", group: Mapping[str, Any] = GROUP) -> SetupStep:
        what = f"{_SINGULAR[kind]} property group {group['name']!r}"
        try:
            self._call(lambda t: self._groups.get_by_name(kind, group["name"], _request_timeout=t))
        except HubSpotRejected as error:
            if error.status != 404:
                return SetupStep(what, SetupState.FAILED, str(error))
        except CrmError as error:
            return SetupStep(what, SetupState.FAILED, str(error))
        else:
            return SetupStep(what, SetupState.EXISTS)
        request = property_models.PropertyGroupCreate(**_snake(group))
        return self._create(what, lambda t: self._groups.create(kind, request, _request_timeout=t))

    def _contact_property_names(self) -> frozenset[str]:
        return self._property_names("contacts")

    def _property_names(self, kind: str) -> frozenset[str]:
        response = self._call(
            lambda t: self._core.get_all(kind, archived=NOT_ARCHIVED, _request_timeout=t)
        )
        return frozenset(str(item.name) for item in list_of(response, "results"))

    def _contact_property(
        self, body: Mapping[str, Any], existing: frozenset[str], group_missing: bool
    ) -> SetupStep:
        step = self._property("contacts", body, existing, group_missing)
        return replace(step, what=f"contact {step.what}")

    def _property(
        self, kind: str, body: Mapping[str, Any], existing: frozenset[str], group_missing: bool
    ) -> SetupStep:
        what = f"property {body['name']!r} ({body['type']})"
        if body["name"] in existing:
            return SetupStep(what, SetupState.EXISTS)
        if group_missing and not self._dry_run:
            return SetupStep(what, SetupState.FAILED, "its group could not be created (above)")
        request = property_models.PropertyCreate(**_snake(body))
        return self._create(what, lambda t: self._core.create(kind, request, _request_timeout=t))

    def _task_key(self) -> SetupStep:
        name = self._settings.fields.task_key
        return self._unique_key("tasks", task_key_property(name), task_key_step(name))

    def _note_key(self) -> SetupStep:
        """The note property keying each answer's note (``[crm] history_notes``)."""
        name = self._settings.note_key
        what = f"note property {name!r} (unique values: one history note per answer)"
        # Needed only with history notes, which this connector's settings do not see.
        return replace(self._unique_key("notes", note_key_property(name), what), required=False)

    def _unique_key(self, kind: str, body: Mapping[str, Any], what: str) -> SetupStep:
        """Read the property; create it with unique values when missing."""
        name = str(body["name"])
        try:
            prop = self._call(lambda t: self._core.get_by_name(kind, name, _request_timeout=t))
        except HubSpotRejected as error:
            if error.status != 404:
                return SetupStep(what, SetupState.FAILED, str(error))
        except CrmError as error:
            return SetupStep(what, SetupState.FAILED, str(error))
        else:
            if getattr(prop, "has_unique_value", False):
                return SetupStep(what, SetupState.EXISTS)
            return SetupStep(what, SetupState.FAILED, _fix_unique(kind))
        request = property_models.PropertyCreate(**_snake(body))
        return self._create(what, lambda t: self._core.create(kind, request, _request_timeout=t))

    def _create(self, what: str, create: Callable[[float], Any]) -> SetupStep:
        if self._dry_run:
            return SetupStep(what, SetupState.WOULD_CREATE)
        try:
            # Not idempotent: a lost answer is not repeated here; the next run finds the result.
            self._transport.call(create, idempotent=False)
        except CrmError as error:
            return SetupStep(what, SetupState.FAILED, str(error))
        return SetupStep(what, SetupState.CREATED)

    def _call(self, read: Callable[[float], Any]) -> Any:
        return self._transport.call(read, idempotent=True)


def task_key_step(name: str) -> str:
    """What the step that reads (or creates) the task key property ``name`` is called."""
    return f"task property {name!r} (unique values: task creates are upserts)"


def _snake(body: Mapping[str, Any]) -> dict[str, Any]:
    """The SDK model's keyword arguments for a JSON body (``groupName`` -> ``group_name``)."""
    converted = {_snake_name(key): value for key, value in body.items()}
    if "options" in converted:
        converted["options"] = [
            property_models.OptionInput(**{_snake_name(k): v for k, v in option.items()})
            for option in converted["options"]
        ]
    return converted


def _snake_name(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def set_up_portal(
    settings: HubSpotSettings, transport: Transport, *, dry_run: bool
) -> Sequence[SetupStep]:
    """Run ``PortalSetup``; never raises a ``CrmError``."""
    setup = PortalSetup(settings, transport, dry_run=dry_run)
    try:
        return setup.run()
    finally:
        setup.close()
