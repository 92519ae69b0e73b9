"""``syncd check`` for ``[crm] company_rollup``: the company properties exist and take numbers."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from connectors.crm.hubspot.records import NOT_ARCHIVED, list_of
from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.crm.hubspot.transport import Transport
from syncd.errors import CrmError
from syncd.model import CheckResult

#: (what, ok, detail) -> the check's result, named for the portal.
Result = Callable[[str, bool, str], CheckResult]


def company_property_results(
    settings: HubSpotSettings, transport: Transport, properties_api: Any, result: Result
) -> list[CheckResult]:
    """One result per roll-up property (none while the roll-up is off), from one listing."""
    if not settings.company_rollup:
        return []

    def listing(timeout: float) -> Any:
        return properties_api.get_all("companies", archived=NOT_ARCHIVED, _request_timeout=timeout)

    try:
        response = transport.call(listing, idempotent=True)
    except CrmError as error:
        return [result("company properties ([crm] company_rollup)", False, str(error))]
    found = {str(item.name): item for item in list_of(response, "results")}
    results: list[CheckResult] = []
    for field, name in settings.rollup_fields.model_dump().items():
        what = f"company property {name!r} ([crm.rollup_fields] {field})"
        item = found.get(name)
        meta = getattr(item, "modification_metadata", None)
        if item is None:
            detail = "does not exist: run `syncd crm setup`, or correct the name"
            results.append(result(what, False, detail))
        elif getattr(item, "type", None) != "number":
            results.append(result(what, False, f"is of type {item.type!r}, not number"))
        elif bool(getattr(meta, "read_only_value", False)):
            results.append(result(what, False, "is read-only: choose another property"))
        else:
            results.append(result(what, True, "exists and takes numbers"))
    return results
