"""Owners (v3), associations (v4) and properties (v3) endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from connectors.crm.hubspot.fake import payload
from connectors.crm.hubspot.fake.errors import bad_request, conflict, not_found
from connectors.crm.hubspot.fake.schema import (
    CONTACTS,
    PROPERTY_TYPES,
    TASKS,
    PropertyDef,
    option_pairs,
)
from connectors.crm.hubspot.fake.state import Store
from connectors.crm.hubspot.fake.views import page
from syncd.sandbox.http import Request, Response

T = TypeVar("T")
OWNERS_DEFAULT_LIMIT, OWNERS_MAX_LIMIT = 100, 500
ASSOCIATIONS_MAX_LIMIT = 500
#: HUBSPOT_DEFINED association type ids, by (from, to).
ASSOCIATION_TYPES = {(CONTACTS, TASKS): 203, (TASKS, CONTACTS): 204}


# owners


def list_owners(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    """``archived=true`` lists only deactivated owners, otherwise only active ones."""
    archived = payload.flag(request, "archived")
    email = (request.param("email") or "").lower()
    owners = [
        owner
        for owner in store.owners.values()
        if owner.archived == archived and (not email or owner.email.lower() == email)
    ]
    window, next_after = _paged(owners, request, OWNERS_MAX_LIMIT, OWNERS_DEFAULT_LIMIT)
    return Response(200, page([o.to_json() for o in window], next_after))


def get_owner(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    by_user_id = request.param("idProperty") == "userId"
    archived = payload.flag(request, "archived")
    for owner in store.owners.values():
        key = str(owner.user_id) if by_user_id else owner.id
        if key == params["id"] and owner.archived == archived:
            return Response(200, owner.to_json())
    raise not_found(f"Owner {params['id']} not found.", id=[params["id"]])


# associations


def list_associations(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    """``GET /crm/v4/objects/{from}/{id}/associations/{to}``: ids are JSON integers here."""
    kinds = (payload.object_type(params["type"]), payload.object_type(params["to"]))
    type_id = ASSOCIATION_TYPES.get(kinds)
    if type_id is None:
        raise bad_request(f"No association from {kinds[0]} to {kinds[1]} is supported by the fake.")
    of = store.tasks_of if kinds[0] == CONTACTS else store.contacts_of
    ids, next_after = _paged(sorted(of(params["id"]), key=int), request, ASSOCIATIONS_MAX_LIMIT)
    spec = {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}
    results = [{"toObjectId": int(i), "associationTypes": [spec]} for i in ids]
    return Response(200, page(results, next_after))


def _paged(
    items: list[T], request: Request, maximum: int, default: int | None = None
) -> tuple[list[T], int | None]:
    """One page by ``limit``/``after`` (an offset), and the next ``after`` if there is more."""
    limit = payload.query_int(request, "limit", default or maximum, maximum)
    start = payload.offset(request.param("after"))
    more = start + limit < len(items)
    return items[start : start + limit], start + limit if more else None


# properties


def list_properties(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    kind = payload.object_type(params["type"])
    stamp = store.schema.created_at
    return Response(200, {"results": [p.to_json(stamp) for p in store.schema.listing(kind)]})


def get_property(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    kind = payload.object_type(params["type"])
    prop = store.schema.find(kind, params["name"])
    if prop is None:
        raise not_found(f"Property {params['name']} does not exist", name=[params["name"]])
    return Response(200, prop.to_json(store.schema.created_at))


def create_property(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    kind = payload.object_type(params["type"])
    prop = new_property(store, kind, payload.read_body(request))
    store.schema.define(kind, prop)
    return Response(201, prop.to_json(store.schema.created_at))


def new_property(store: Store, kind: str, body: dict[str, Any]) -> PropertyDef:
    """A property definition from a create body, checked as HubSpot checks it.

    ``hasUniqueValue`` can only be set here, when the property is created
    (https://developers.hubspot.com/docs/api-reference/crm-properties-v3/guide).
    """
    fields = _required(body, "name", "label", "type", "fieldType", "groupName")
    if store.schema.find(kind, fields["name"]) is not None:
        raise conflict(f"Property named '{fields['name']}' already exists.", name=[fields["name"]])
    if fields["type"] not in PROPERTY_TYPES:
        raise bad_request(f"{fields['type']} is not a valid property type")
    if store.schema.group(kind, fields["groupName"]) is None:
        raise bad_request(f"Property group {fields['groupName']} does not exist")
    options = option_pairs(body.get("options") or [])
    if fields["type"] == "enumeration" and not options:
        raise bad_request("An enumeration property needs options")
    unique = body.get("hasUniqueValue", False)
    if not isinstance(unique, bool):
        raise bad_request(f"hasUniqueValue must be a boolean, got {unique!r}")
    return PropertyDef(
        name=fields["name"],
        type=fields["type"],
        field_type=fields["fieldType"],
        group=fields["groupName"],
        options=options,
        hubspot_defined=False,
        label=fields["label"],
        description=str(body.get("description") or ""),
        unique=unique,
    )


def list_groups(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    return Response(200, {"results": store.schema.groups(payload.object_type(params["type"]))})


def get_group(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    group = store.schema.group(payload.object_type(params["type"]), params["name"])
    if group is None:
        raise not_found(f"Property group {params['name']} does not exist", name=[params["name"]])
    return Response(200, group)


def create_group(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    kind = payload.object_type(params["type"])
    body = payload.read_body(request)
    fields = _required(body, "name", "label")
    if store.schema.group(kind, fields["name"]) is not None:
        raise conflict(
            f"Property group named '{fields['name']}' already exists.", name=[fields["name"]]
        )
    order = body.get("displayOrder")
    group = store.schema.add_group(
        kind, fields["name"], fields["label"], order if isinstance(order, int) else -1
    )
    return Response(201, group)


def _required(body: dict[str, Any], *names: str) -> dict[str, str]:
    missing = [name for name in names if not isinstance(body.get(name), str) or not body[name]]
    if missing:
        raise bad_request(f"Missing required fields: {', '.join(missing)}")
    return {name: body[name] for name in names}
