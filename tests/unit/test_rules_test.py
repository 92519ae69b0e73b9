"""``syncd rules test``: the trace agrees with routing, and the command needs no secrets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from typer.testing import CliRunner

from syncd.cli import app
from syncd.model import NpsCategory
from syncd.routing import matches
from syncd.routing_settings import RoutingSettings
from syncd.rule_trace import first_miss, trace
from tests.unit.test_routing import answer, rule

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "config" / "syncd.example.toml"

RULES = st.builds(
    lambda cats, lo, hi, words, sources, prop, pattern: rule(
        categories=cats,
        score_min=min(lo, hi),
        score_max=max(lo, hi),
        comment_contains=words,
        sources=sources,
        properties=prop,
        comment_pattern=pattern,
    ),
    st.lists(st.sampled_from(list(NpsCategory)), min_size=1, unique=True),
    st.integers(0, 10),
    st.integers(0, 10),
    st.lists(st.sampled_from(["slow", "Price", "bug"]), max_size=2),
    st.lists(st.sampled_from(["delighted", "typeform"]), max_size=2),
    st.dictionaries(st.sampled_from(["plan", "region"]), st.sampled_from(["a", "b"]), max_size=2),
    st.none() | st.sampled_from([r"\bslow\b", "pri(ce|cing)", "^fine$"]),
)
ANSWERS = st.builds(
    lambda score, comment, source, props: answer(
        score, comment=comment, source=source, properties=props
    ),
    st.integers(0, 10),
    st.none() | st.sampled_from(["so SLOW", "price too high", "fine"]),
    st.sampled_from(["delighted", "typeform"]),
    st.dictionaries(st.sampled_from(["plan", "region"]), st.sampled_from(["a", "b"]), max_size=2),
)


@given(RULES, ANSWERS)
def test_the_trace_agrees_with_routing_on_every_rule(r: object, response: object) -> None:
    assert (first_miss(r, response) is None) == matches(r, response)  # type: ignore[arg-type]


def test_the_trace_stops_at_the_first_match_and_names_each_miss() -> None:
    routing = RoutingSettings(
        rules=(
            rule("vip", properties={"plan": "enterprise"}),
            rule("slow", comment_contains=("slow",)),
            rule("rest"),
            rule("never"),
        )
    )
    verdicts = trace(answer(3, comment="Support was slow"), routing)
    assert [(v.rule, v.reason) for v in verdicts] == [
        ("vip", "property plan is None, not 'enterprise'"),
        ("slow", None),
    ]


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["rules", "test", "--config", str(EXAMPLE), *args])
    return result.exit_code, result.output


def test_rules_test_runs_without_the_connector_secrets(monkeypatch: object) -> None:
    # The example config names env:DELIGHTED_API_KEY and file:/run/secrets/hubspot_token,
    # neither of which exists here.
    code, out = _run("--score", "3", "--comment", "slow support", "--email", "ann@x.example")
    assert code == 0, out
    assert "MATCH detractors-to-support" in out
    assert "priority high" in out
    assert "Detractor follow-up: NPS 3 from ann@x.example" in out
    assert "| Comment: slow support" in out


def test_rules_test_json_lists_the_rules_it_skipped() -> None:
    code, out = _run("--score", "9", "--json", "--submitted", "2026-11-02T09:00:00")
    assert code == 0, out
    data = json.loads(out)
    assert [r["rule"] for r in data["rules"]] == [
        "detractors-to-support",
        "passives-to-csm",
        "promoters-to-marketing",
    ]
    assert data["rules"][0]["reason"] == "category promoter is not one of detractor"
    # Monday 09:00 UTC plus five business days (the example's promoter rule).
    assert data["task"]["due_at"] == "2026-11-09T09:00:00+00:00"
    assert data["task"]["priority"] == "low"


def test_a_malformed_property_is_a_usage_error() -> None:
    code, out = _run("--score", "3", "--property", "plan")
    assert code == 2
    assert "NAME=VALUE" in out


def test_a_comment_pattern_matches_case_insensitively_and_is_explained() -> None:
    churn = rule("churn-risk", comment_pattern=r"cancel|refund|switch(ing)? to")
    assert matches(churn, answer(2, comment="We are SWITCHING TO a competitor"))
    assert not matches(churn, answer(2, comment="All good"))
    assert not matches(churn, answer(2))
    routing = RoutingSettings(rules=(churn, rule("rest")))
    verdicts = trace(answer(2, comment="All good"), routing)
    assert verdicts[0].reason == "the comment has no match of /cancel|refund|switch(ing)? to/"


def test_an_invalid_comment_pattern_is_a_config_error() -> None:
    with pytest.raises(ValidationError, match="comment_pattern is not a regular expression"):
        rule("bad", comment_pattern="(unclosed")
