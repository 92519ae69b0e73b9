"""Which handler serves which request: HubSpot's paths as ``hubspot-api-client`` 12 sends them.

Trailing slashes are tolerated (the SDK asks for ``/crm/v3/owners/``). Object type segments
accept the plural, the singular and the type id (``tasks``, ``task``, ``0-27``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from connectors.crm.hubspot.fake import (
    contact_upsert,
    directory,
    links,
    notes,
    objects,
    search,
    upsert,
)
from connectors.crm.hubspot.fake.errors import HubSpotError, error_body, not_found
from connectors.crm.hubspot.fake.state import Store
from syncd.sandbox.http import Request, Response

Handler = Callable[[Store, Request, Mapping[str, str]], Response]
_OBJECT_TYPE = "contacts|contact|0-1|tasks|task|0-27|companies|company|0-2|notes|note|0-46"
_SEGMENTS = {"type": _OBJECT_TYPE, "to": _OBJECT_TYPE}


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: Handler
    search: bool = False  # search has its own 5/s limit and no rate-limit headers


def _route(method: str, template: str, handler: Handler, *, is_search: bool = False) -> Route:
    def group(match: re.Match[str]) -> str:
        return f"(?P<{match[1]}>{_SEGMENTS.get(match[1], '[^/]+')})"

    return Route(method, re.compile(re.sub(r"\{(\w+)\}", group, template)), handler, is_search)


ROUTES = (
    _route("POST", "/crm/v3/objects/{type}/batch/read", objects.batch_read),
    _route("POST", "/crm/v3/objects/{type}/batch/update", objects.batch_update),
    _route("POST", "/crm/v3/objects/tasks/batch/create", objects.batch_create),
    _route("POST", "/crm/v3/objects/tasks/batch/upsert", upsert.batch_upsert),
    _route("POST", "/crm/v3/objects/contacts/batch/upsert", contact_upsert.batch_upsert),
    _route("POST", "/crm/v3/objects/notes/batch/upsert", notes.batch_upsert),
    _route("POST", "/crm/v3/objects/{type}/search", search.search, is_search=True),
    _route("POST", "/crm/v3/objects/tasks", objects.create_one),
    _route("GET", "/crm/v3/objects/{type}/{id}", objects.get_one),
    _route("GET", "/crm/v3/owners", directory.list_owners),
    _route("GET", "/crm/v3/owners/{id}", directory.get_owner),
    _route("GET", "/crm/v4/objects/{type}/{id}/associations/{to}", directory.list_associations),
    _route(
        "POST", "/crm/v4/associations/{type}/{to}/batch/associate/default", links.associate_default
    ),
    _route("POST", "/crm/v4/associations/{type}/{to}/batch/read", links.batch_read),
    _route("GET", "/crm/v3/properties/{type}/groups", directory.list_groups),
    _route("POST", "/crm/v3/properties/{type}/groups", directory.create_group),
    _route("GET", "/crm/v3/properties/{type}/groups/{name}", directory.get_group),
    _route("GET", "/crm/v3/properties/{type}", directory.list_properties),
    _route("POST", "/crm/v3/properties/{type}", directory.create_property),
    _route("GET", "/crm/v3/properties/{type}/{name}", directory.get_property),
)


def resolve(request: Request) -> tuple[Route, dict[str, str]]:
    """The route and its path parameters; 404 for an unknown path, 405 for a wrong method."""
    path = request.path.rstrip("/") or "/"
    matched = [(route, m) for route in ROUTES if (m := route.pattern.fullmatch(path))]
    for route, match in matched:
        if route.method == request.method:
            return route, match.groupdict()
    if matched:
        message = f"HTTP {request.method} is not supported by this resource."
        raise HubSpotError(405, error_body(message, "VALIDATION_ERROR"))
    raise not_found(f"No resource matches {request.method} {request.path}")
