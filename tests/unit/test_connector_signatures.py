"""Every registered connector can be built the way the composition root builds it."""

from __future__ import annotations

import inspect

import pytest

from connectors.registry import CRMS, SOURCES, connector_class

KINDS = [("source", kind) for kind in SOURCES] + [("crm", kind) for kind in CRMS]


@pytest.mark.parametrize(("role", "kind"), KINDS)
def test_a_connector_takes_name_settings_and_shared_limiters(role: str, kind: str) -> None:
    cls = connector_class(role, kind)
    parameters = inspect.signature(cls).parameters
    positional = [p for p in parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    assert [p.name for p in positional[:2]] == ["name", "settings"]
    # Replicas on PostgreSQL pass a store-backed LimiterFactory so they share one allowance.
    assert "limiters" in parameters
    assert parameters["limiters"].kind is inspect.Parameter.KEYWORD_ONLY
    assert hasattr(cls, "Settings")


@pytest.mark.parametrize("kind", sorted(SOURCES))
def test_a_source_reads_the_time_from_the_clock_it_is_given(kind: str) -> None:
    # The composition root hands every source syncd's clock, so that `syncd demo`'s simulated
    # week reaches the connector's windows, budgets and plausibility checks too.
    parameters = inspect.signature(connector_class("source", kind)).parameters
    assert "clock" in parameters
    assert parameters["clock"].kind is inspect.Parameter.KEYWORD_ONLY
