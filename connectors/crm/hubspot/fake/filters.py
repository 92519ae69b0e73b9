"""Search filters, sorts and their comparison keys, for the fake's CRM search."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from connectors.crm.hubspot.fake.schema import PropertyDef
from connectors.crm.hubspot.fake.timefmt import epoch_ms, parse_instant

#: (number, text): numbers compare on the first part, text on the second, so one type fits all.
Key = tuple[float, str]
Hit = tuple[str, dict[str, str]]


@dataclass(frozen=True, slots=True)
class Filter:
    """One parsed filter of a search's ``filterGroups``."""

    prop: PropertyDef
    operator: str
    value: Key
    values: tuple[Key, ...]
    high: Key


@dataclass(frozen=True, slots=True)
class Sort:
    """The one sort rule a search may carry."""

    prop: PropertyDef
    descending: bool


def key(prop: PropertyDef, raw: str) -> Key | None:
    """How ``raw`` compares as a value of ``prop``; None when it is not one (a bad datetime)."""
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


MATCHERS: dict[str, Callable[[Key, Filter], bool]] = {
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
WHEN_UNSET = frozenset({"NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN", "NOT_HAS_PROPERTY"})
ONE_VALUE = frozenset({"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN"})
TOKEN = frozenset({"CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"})
NO_VALUE: Key = (0.0, "")
#: Operators that put a lower bound on a value.
FLOOR = frozenset({"EQ", "GT", "GTE", "BETWEEN"})


def changed_since(groups: list[list[Filter]], modified: str) -> float | None:
    """The lowest modification date (epoch ms) any match can have, when every group bounds it.

    Records changed only before it cannot match, so the store skips them (its change index).
    """
    lows: list[float] = []
    for group in groups:
        bounds = [f.value[0] for f in group if f.prop.name == modified and f.operator in FLOOR]
        if not bounds:
            return None
        lows.append(max(bounds))
    return min(lows) if lows else None


def matches(groups: list[list[Filter]], props: Mapping[str, str]) -> bool:
    """Groups are ORed, the filters inside one ANDed; no groups match everything."""
    return not groups or any(all(_match(f, props) for f in group) for group in groups)


def _match(f: Filter, props: Mapping[str, str]) -> bool:
    raw = props.get(f.prop.name)
    if f.operator in ("HAS_PROPERTY", "NOT_HAS_PROPERTY"):
        return (raw is not None) == (f.operator == "HAS_PROPERTY")
    if raw is None:
        return f.operator in WHEN_UNSET
    value = (0.0, raw.lower()) if f.operator.endswith("CONTAINS_TOKEN") else key(f.prop, raw)
    return value is not None and MATCHERS[f.operator](value, f)


def order(hits: list[Hit], sort: Sort | None) -> list[Hit]:
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
