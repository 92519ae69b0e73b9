"""``POST /crm/v3/objects/{type}/search``: filters, one sort, paging, limits, index lag.

Filter groups are ORed and the filters inside a group ANDed. Datetimes and numbers compare
numerically (datetime filter values may be epoch ms or ISO-8601), everything else compares
case-insensitively as text. A record without the property matches only NEQ, NOT_IN,
NOT_CONTAINS_TOKEN and NOT_HAS_PROPERTY. Search sees the index, which lags the records by
``search_lag_seconds`` (see ``Store.indexed``), and never returns more than 10,000 results.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.crm.hubspot.fake import payload
from connectors.crm.hubspot.fake.errors import bad_request
from connectors.crm.hubspot.fake.filters import (
    MATCHERS,
    NO_VALUE,
    ONE_VALUE,
    TOKEN,
    Filter,
    Key,
    Sort,
    changed_since,
    key,
    matches,
    order,
)
from connectors.crm.hubspot.fake.schema import CONTACTS, TASKS, PropertyDef, Schema
from connectors.crm.hubspot.fake.state import MODIFIED, Store
from connectors.crm.hubspot.fake.views import page, render
from syncd.sandbox.http import Request, Response

MAX_LIMIT, DEFAULT_LIMIT, MAX_RESULTS = 200, 10, 10_000
MAX_GROUPS, MAX_GROUP_FILTERS, MAX_FILTERS = 5, 6, 18
#: What the free-text ``query`` looks in.
_TEXT_FIELDS = {
    CONTACTS: ("email", "firstname", "lastname", "company"),
    TASKS: ("hs_task_subject", "hs_task_body"),
}


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed, validated search request body."""

    groups: list[list[Filter]]
    sort: Sort | None
    text: str
    properties: list[str]
    limit: int
    after: int

    def selects(self, kind: str, props: Mapping[str, str]) -> bool:
        return matches(self.groups, props) and _has_text(kind, props, self.text)


def search(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    kind = payload.object_type(params["type"])
    query = _parse(store.schema, kind, payload.read_body(request))
    since = changed_since(query.groups, MODIFIED[kind])
    ids = store.values.narrow(kind, query.groups)
    hits = store.indexed(kind, since if ids is None else None, ids)
    ordered = order([hit for hit in hits if query.selects(kind, hit[1])], query.sort)
    window = ordered[query.after : min(query.after + query.limit, MAX_RESULTS)]
    results = [render(store.schema, kind, rid, props, query.properties) for rid, props in window]
    end = query.after + len(window)
    more = end < min(len(ordered), MAX_RESULTS)
    return Response(200, {"total": len(ordered)} | page(results, end if more else None))


def _parse(schema: Schema, kind: str, body: dict[str, Any]) -> Query:
    after = payload.offset(body.get("after"))
    if after >= MAX_RESULTS:
        raise bad_request(f"Paging past {MAX_RESULTS} results is not supported (after={after}).")
    return Query(
        groups=_groups(schema, kind, body.get("filterGroups") or []),
        sort=_sort(schema, kind, body.get("sorts") or []),
        text=str(body.get("query") or "").lower(),
        properties=payload.string_list(body, "properties", required=False) or [],
        limit=_limit(body.get("limit")),
        after=after,
    )


def _limit(raw: object) -> int:
    if raw is None:
        return DEFAULT_LIMIT
    if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= MAX_LIMIT:
        raise bad_request(f"limit must be an integer between 0 and {MAX_LIMIT}, got {raw!r}")
    return raw


def _groups(schema: Schema, kind: str, raw: object) -> list[list[Filter]]:
    if not isinstance(raw, list) or not all(isinstance(g, dict) for g in raw):
        raise bad_request("Invalid input JSON: `filterGroups` must be a list of objects")
    groups = [g.get("filters") or [] for g in raw]
    if len(groups) > MAX_GROUPS or any(len(g) > MAX_GROUP_FILTERS for g in groups):
        raise bad_request(
            f"At most {MAX_GROUPS} filterGroups with {MAX_GROUP_FILTERS} filters each."
        )
    if sum(len(g) for g in groups) > MAX_FILTERS:
        raise bad_request(f"At most {MAX_FILTERS} filters in total.")
    return [[_filter(schema, kind, f) for f in group] for group in groups]


def _filter(schema: Schema, kind: str, raw: Any) -> Filter:
    if not isinstance(raw, dict):
        raise bad_request("Invalid input JSON: a filter must be an object")
    prop = _property(schema, kind, raw.get("propertyName"))
    operator = raw.get("operator")
    if operator not in MATCHERS and operator not in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        raise bad_request(f"Unknown filter operator {operator!r}")
    value = NO_VALUE
    if operator in TOKEN:  # a text pattern, whatever the property's type
        value = (0.0, str(raw.get("value") or "").lower())
    elif operator in ONE_VALUE:
        value = _value(prop, raw.get("value"))
    high = _value(prop, raw.get("highValue")) if operator == "BETWEEN" else NO_VALUE
    values = _values(prop, str(operator), raw.get("values"))
    return Filter(prop, str(operator), value, values, high)


def _values(prop: PropertyDef, operator: str, listed: object) -> tuple[Key, ...]:
    if operator not in ("IN", "NOT_IN"):
        return ()
    if not isinstance(listed, list) or not listed:
        raise bad_request(f"{operator} on {prop.name} needs a non-empty `values` list")
    return tuple(_value(prop, v) for v in listed)


def _property(schema: Schema, kind: str, name: object) -> PropertyDef:
    prop = schema.find(kind, name) if isinstance(name, str) else None
    if prop is None:
        raise bad_request(f"Property {name!r} does not exist on {kind}")
    return prop


def _value(prop: PropertyDef, raw: object) -> Key:
    parsed = (
        key(prop, str(raw))
        if isinstance(raw, str | int | float) and not isinstance(raw, bool)
        else None
    )
    if parsed is None:
        raise bad_request(f"{raw!r} is not a valid filter value for {prop.name} ({prop.type})")
    return parsed


def _sort(schema: Schema, kind: str, raw: object) -> Sort | None:
    if not isinstance(raw, list) or len(raw) > 1:
        raise bad_request("`sorts` takes at most one sort rule")
    if not raw:
        return None
    rule = raw[0]
    if isinstance(rule, str):  # "prop" or "-prop"
        return Sort(_property(schema, kind, rule.lstrip("-")), rule.startswith("-"))
    if isinstance(rule, dict) and rule.get("direction", "ASCENDING") in ("ASCENDING", "DESCENDING"):
        prop = _property(schema, kind, rule.get("propertyName"))
        return Sort(prop, rule.get("direction") == "DESCENDING")
    raise bad_request(f"Invalid sort rule {rule!r}")


def _has_text(kind: str, props: Mapping[str, str], text: str) -> bool:
    fields = _TEXT_FIELDS[kind]
    return not text or any(text in props.get(name, "").lower() for name in fields)
