"""``HubSpotCrm.check``: the portal against the configuration, one result per thing checked.

Each check is one read that needs the scope the daemon needs, so a 401 says the token is bad and
a 403 ``MISSING_SCOPES`` names the scope to grant (``portal.py``). Write scopes cannot be proven
without writing; the contact properties' definitions show whether the writes could succeed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import hubspot.crm.contacts.models as contact_models
import hubspot.crm.objects.tasks.models as task_models

from connectors.crm.hubspot.records import NOT_ARCHIVED, list_of
from connectors.crm.hubspot.rollup_check import company_property_results
from connectors.crm.hubspot.sdk import sdk_client
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.transport import Transport
from syncd.errors import CrmError
from syncd.model import CheckResult

#: An address no contact has: the read proves the token and the contacts scope, nothing else.
PROBE_EMAIL = "syncd-check@invalid.example"
#: ``[crm.fields]`` that are no contact property syncd writes today.
NOT_WRITTEN = frozenset({"task_key"})


class PortalCheck:
    """The reads ``syncd check`` makes against one portal."""

    def __init__(self, name: str, settings: HubSpotSettings, transport: Transport) -> None:
        self._name = name
        self._settings = settings
        self._transport = transport
        client = sdk_client(settings)
        self._contacts = client.crm.contacts.batch_api
        self._task_search = client.crm.objects.tasks.search_api
        self._properties = client.crm.properties.core_api

    def run(self) -> list[CheckResult]:
        """Probe the token, the scopes and the configured properties, one result each."""
        results = [
            self._probe("token and contacts read access", self._read_probe),
            self._probe("tasks read access", self._search_probe),
        ]
        try:
            definitions = self._contact_properties()
        except CrmError as error:
            return [*results, self._result("contact properties", False, str(error))]
        rollup = company_property_results(
            self._settings, self._transport, self._properties, self._result
        )
        return results + self._field_results(definitions) + rollup

    def close(self) -> None:
        """Drop the pooled connections of the SDK clients the check opened."""
        for api in (self._contacts, self._task_search, self._properties):
            api.api_client.rest_client.pool_manager.clear()
            api.api_client.close()

    def _probe(self, what: str, call: Callable[[float], Any]) -> CheckResult:
        try:
            self._transport.call(call, idempotent=True)
        except CrmError as error:
            return self._result(what, False, str(error))
        return self._result(what, True)

    def _read_probe(self, timeout: float) -> Any:
        request = contact_models.BatchReadInputSimplePublicObjectId(
            id_property="email",
            inputs=[contact_models.SimplePublicObjectId(id=PROBE_EMAIL)],
            properties=["email"],
            properties_with_history=[],
        )
        return self._contacts.read(request, _request_timeout=timeout)

    def _search_probe(self, timeout: float) -> Any:
        request = task_models.PublicObjectSearchRequest(
            filter_groups=[], properties=["hs_task_status"], limit=1
        )
        return self._task_search.do_search(request, _request_timeout=timeout)

    def _contact_properties(self) -> dict[str, bool]:
        """Contact property name -> whether its value can be written."""
        response = self._transport.call(
            lambda t: self._properties.get_all(
                "contacts", archived=NOT_ARCHIVED, _request_timeout=t
            ),
            idempotent=True,
        )
        writable: dict[str, bool] = {}
        for item in list_of(response, "results"):
            meta = getattr(item, "modification_metadata", None)
            writable[str(item.name)] = not bool(getattr(meta, "read_only_value", False))
        return writable

    def _field_results(self, writable: dict[str, bool]) -> list[CheckResult]:
        results: list[CheckResult] = []
        for field, name in self._settings.fields.model_dump().items():
            if not name or field in NOT_WRITTEN:
                continue  # disabled, or not written on contacts (the task key: checked apart)
            what = f"contact property {name!r} ([crm.fields] {field})"
            if name not in writable:
                detail = "does not exist: correct the name or create the property in HubSpot"
                results.append(self._result(what, False, detail))
            elif not writable[name]:
                results.append(self._result(what, False, "is read-only: choose another property"))
            else:
                results.append(self._result(what, True, "exists and is writable"))
        return results

    def _result(self, what: str, ok: bool, detail: str = "") -> CheckResult:
        return CheckResult(f"crm {self._name} {what}", ok, detail)


def check_portal(
    name: str, settings: HubSpotSettings, transport: Transport
) -> Sequence[CheckResult]:
    """Run every portal check; never raises a ``CrmError``."""
    check = PortalCheck(name, settings, transport)
    try:
        return check.run()
    finally:
        check.close()
