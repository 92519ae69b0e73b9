"""Every registered connector can be built the way the composition root builds it."""

from __future__ import annotations

import inspect

import pytest

from connectors.registry import (
    CRMS,
    PUSH_SOURCES,
    SETTINGS,
    SOURCES,
    connector_class,
    settings_class,
)

KINDS = [("source", kind) for kind in SOURCES] + [("crm", kind) for kind in CRMS]
EVERY_KIND = KINDS + [("source", kind) for kind in PUSH_SOURCES]


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


@pytest.mark.parametrize(("role", "kind"), EVERY_KIND)
def test_the_light_settings_model_is_the_connector_s_own(role: str, kind: str) -> None:
    # The config loads through SETTINGS without importing the connector; it must be the same model.
    assert settings_class(role, kind) is connector_class(role, kind).Settings


def test_every_kind_names_its_settings_model() -> None:
    assert sorted(SETTINGS["source"]) == sorted({**SOURCES, **PUSH_SOURCES})
    assert sorted(SETTINGS["crm"]) == sorted(CRMS)
