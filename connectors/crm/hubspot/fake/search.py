"""``POST /crm/v3/objects/{type}/search``: filters, one sort, paging, limits, index lag.

Filter groups are ORed and the filters inside a group ANDed. Datetimes and numbers compare
numerically (datetime filter values may be epoch ms or ISO-8601), everything else compares
case-insensitively as text. A record without the property matches only NEQ, NOT_IN,
NOT_CONTAINS_TOKEN and NOT_HAS_PROPERTY. Search sees the index, which lags the records by
``search_lag_seconds`` (see ``Store.indexed``), and never returns more than 10,000 results.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from connectors.crm.hubspot.fake import payload
from connectors.crm.hubspot.fake.errors import bad_request
from connectors.crm.hubspot.fake.schema import CONTACTS, TASKS, PropertyDef, Schema
from connectors.crm.hubspot.fake.state import MODIFIED, Store
from connectors.crm.hubspot.fake.timefmt import epoch_ms, parse_instant
from connectors.crm.hubspot.fake.views import page, render
from syncd.sandbox.http import Request, Response

MAX_LIMIT, DEFAULT_LIMIT, MAX_RESULTS = 200, 10, 10_000
MAX_GROUPS, MAX_GROUP_FILTERS, MAX_FILTERS = 5, 6, 18
#: What the free-text ``query`` looks in.
_TEXT_FIELDS = {
    CONTACTS: ("email", "firstname", "lastname", "company"),
    TASKS: ("hs_task_subject", "hs_task_body"),
}

#: (number, text): numbers compare on the first part, text on the second, so one type fits all.
Key = tuple[float, str]
Hit = tuple[str, dict[str, str]]


@dataclass(frozen=True, slots=True)
class Filter:
    prop: PropertyDef
    operator: str
    value: Key
    values: tuple[Key, ...]
    high: Key


@dataclass(frozen=True, slots=True)
class Sort:
    prop: PropertyDef
    descending: bool


def key(prop: PropertyDef, raw: str) -> Key | None:
    if prop.type in ("datetime", "date"):
        moment = parse_instant(raw)
        return None if moment is None else (float(epoch_ms(moment)), "")
    if prop.type == "number":
        try:
            return (float(raw), "")
        except ValueError:
            return None
    return (0.0, raw.lower())


def _contains_token(value: Key, wanted: Key) -> bool:
    # Only ``*`` is a wildcard; HubSpot tokenises on whitespace (``*@example.com`` matches emails).
    pattern = re.compile(".*".join(re.escape(part) for part in wanted[1].split("*")))
    return any(pattern.fullmatch(token) for token in [*value[1].split(), value[1]])


_MATCHERS: dict[str, Callable[[Key, Filter], bool]] = {
    "EQ": lambda v, f: v == f.value,
    "NEQ": lambda v, f: v != f.value,
    "LT": lambda v, f: v < f.value,
    "LTE": lambda v, f: v <= f.value,
    "GT": lambda v, f: v > f.value,
    "GTE": lambda v, f: v >= f.value,
    "BETWEEN": lambda v, f: f.value <= v <= f.high,
    "IN": lambda v, f: v in f.values,
    "NOT_IN": lambda v, f: v not in f.values,
    "CONTAINS_TOKEN": lambda v, f: _contains_token(v, f.value),
    "NOT_CONTAINS_TOKEN": lambda v, f: not _contains_token(v, f.value),
}
_WHEN_UNSET = frozenset({"NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN", "NOT_HAS_PROPERTY"})
_ONE_VALUE = frozenset({"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN"})
_TOKEN = frozenset({"CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"})
_NO_VALUE: Key = (0.0, "")
#: Operators that put a lower bound on a value.
_FLOOR = frozenset({"EQ", "GT", "GTE", "BETWEEN"})


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
        return _matches(self.groups, props) and _has_text(kind, props, self.text)


def search(store: Store, request: Request, params: Mapping[str, str]) -> Response:
    kind = payload.object_type(params["type"])
    query = _parse(store.schema, kind, payload.read_body(request))
    since = _changed_since(query.groups, MODIFIED[kind])
    ordered = _order(
        [hit for hit in store.indexed(kind, since) if query.selects(kind, hit[1])], query.sort
    )
    window = ordered[query.after : min(query.after + query.limit, MAX_RESULTS)]
    results = [render(store.schema, kind, rid, props, query.properties) for rid, props in window]
    end = query.after + len(window)
    more = end < min(len(ordered), MAX_RESULTS)
    return Response(200, {"total": len(ordered)} | page(results, end if more else None))


def _changed_since(groups: list[list[Filter]], modified: str) -> float | None:
    """The lowest modification date (epoch ms) any match can have, when every group bounds it.

    Records changed only before it cannot match, so the store skips them (its change index).
    """
    lows: list[float] = []
    for group in groups:
        bounds = [f.value[0] for f in group if f.prop.name == modified and f.operator in _FLOOR]
        if not bounds:
            return None
        lows.append(max(bounds))
    return min(lows) if lows else None


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
    if operator not in _MATCHERS and operator not in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        raise bad_request(f"Unknown filter operator {operator!r}")
    value = _NO_VALUE
    if operator in _TOKEN:  # a text pattern, whatever the property's type
        value = (0.0, str(raw.get("value") or "").lower())
    elif operator in _ONE_VALUE:
        value = _value(prop, raw.get("value"))
    high = _value(prop, raw.get("highValue")) if operator == "BETWEEN" else _NO_VALUE
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


def _matches(groups: list[list[Filter]], props: Mapping[str, str]) -> bool:
    return not groups or any(all(_match(f, props) for f in group) for group in groups)


def _match(f: Filter, props: Mapping[str, str]) -> bool:
    raw = props.get(f.prop.name)
    if f.operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return (raw is not None) == (f.operator == "HAS_PROPERTY")
    if raw is None:
        return f.operator in _WHEN_UNSET
    value = (0.0, raw.lower()) if f.operator.endswith("CONTAINS_TOKEN") else key(f.prop, raw)
    return value is not None and _MATCHERS[f.operator](value, f)


def _has_text(kind: str, props: Mapping[str, str], text: str) -> bool:
    fields = _TEXT_FIELDS[kind]
    return not text or any(text in props.get(name, "").lower() for name in fields)


def _order(hits: list[Hit], sort: Sort | None) -> list[Hit]:
    """Sort by the rule (unset values last), ties and no rule by record id ascending."""
    hits = sorted(hits, key=lambda hit: int(hit[0]))
    if sort is None:
        return hits
    keyed = [(_sort_key(sort, hit[1]), hit) for hit in hits]
    present = [(k, hit) for k, hit in keyed if k is not None]
    present.sort(key=lambda pair: pair[0], reverse=sort.descending)  # stable: ties keep id order
    return [hit for _, hit in present] + [hit for k, hit in keyed if k is None]


def _sort_key(sort: Sort, props: Mapping[str, str]) -> Key | None:
    raw = props.get(sort.prop.name)
    return None if raw is None else key(sort.prop, raw)
