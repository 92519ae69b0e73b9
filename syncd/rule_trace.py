"""Why each routing rule did or did not take a response: what ``syncd rules test`` prints.

Mirrors ``syncd.routing.matches`` condition by condition, so an admin sees the first unmet
condition of every rule above the one that won; a test pins the two to the same verdicts.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from syncd.model import SurveyResponse
from syncd.routing import comment_matches
from syncd.routing_settings import RoutingRule, RoutingSettings


@dataclass(frozen=True, slots=True)
class RuleVerdict:
    """One rule's verdict on a response: ``reason`` is None when it matched."""

    rule: str
    reason: str | None


def first_miss(rule: RoutingRule, response: SurveyResponse) -> str | None:
    """The first condition of ``rule`` that ``response`` does not meet; None when it matches."""
    return next(_misses(rule, response), None)


def trace(response: SurveyResponse, routing: RoutingSettings) -> list[RuleVerdict]:
    """The verdict of every rule up to and including the first that matches."""
    verdicts: list[RuleVerdict] = []
    for rule in routing.rules:
        reason = first_miss(rule, response)
        verdicts.append(RuleVerdict(rule.name, reason))
        if reason is None:
            break
    return verdicts


def _misses(rule: RoutingRule, response: SurveyResponse) -> Iterator[str]:
    if response.category not in rule.categories:
        wanted = ", ".join(category.value for category in rule.categories)
        yield f"category {response.category.value} is not one of {wanted}"
    if not rule.score_min <= response.score <= rule.score_max:
        yield f"score {response.score} is outside {rule.score_min}..{rule.score_max}"
    if rule.sources and response.source not in rule.sources:
        yield f"source {response.source!r} is not one of {', '.join(rule.sources)}"
    if rule.surveys and response.survey not in rule.surveys:
        yield f"survey {response.survey!r} is not one of {', '.join(rule.surveys)}"
    comment = (response.comment or "").casefold()
    if rule.comment_contains and not any(w.casefold() in comment for w in rule.comment_contains):
        yield f"the comment contains none of {', '.join(rule.comment_contains)}"
    if rule.comment_pattern is not None and not comment_matches(rule.comment_pattern, response):
        yield f"the comment has no match of /{rule.comment_pattern}/"
    for name, wanted in rule.properties.items():
        actual = response.properties.get(name)
        if actual != wanted:
            yield f"property {name} is {actual!r}, not {wanted!r}"
