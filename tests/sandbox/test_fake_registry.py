"""Every registered connector brings its fake, and the demo builds them from the registry."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.registry import CRMS, FAKES, SOURCES, build_fake, fake_kinds
from syncd.runtime.demo_config import load_sandbox_settings, sandbox_problems
from syncd.sandbox.fakes import CrmFake, SourceFake


def test_every_registered_connector_has_a_fake() -> None:
    assert set(FAKES["source"]) == set(SOURCES)
    assert set(FAKES["crm"]) == set(CRMS)
    assert fake_kinds("source") == tuple(sorted(SOURCES))


def test_fakes_are_built_from_a_config_section() -> None:
    settings = load_sandbox_settings(None)
    [source] = settings.sources.values()

    survey: SourceFake = build_fake("source", source.kind, source.model_extra or {})
    crm: CrmFake = build_fake("crm", settings.crm.kind, settings.crm.model_extra or {})

    assert survey.vendor and crm.vendor
    answer = survey.add_response(email="dana@example.org", score=9)
    assert answer and crm.add_contact("dana@example.org")


def test_a_kind_without_a_fake_is_not_a_sandbox_config(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(FAKES["crm"], "salesforce")  # a CRM kind whose fake is not registered
    settings = load_sandbox_settings(None)
    data = settings.model_dump(mode="json")
    data["crm"]["kind"] = "salesforce"
    changed = type(settings).model_validate(data)

    [problem] = [p for p in sandbox_problems(changed) if p.location == "crm.kind"]
    assert "'salesforce' has no sandbox fake" in problem.message


@pytest.mark.parametrize(
    ("role", "kind"), [(role, kind) for role in ("source", "crm") for kind in fake_kinds(role)]
)
def test_every_fake_takes_the_demos_clock_and_can_lift_its_limits(role: str, kind: str) -> None:
    # What `syncd demo` needs of every fake (see syncd.sandbox.fakes): its records stamped by
    # the simulated clock, and no real-time rate limit in a week compressed into seconds.
    settings = load_sandbox_settings(None, **{role: kind})
    [source] = settings.sources.values()
    section = (source if role == "source" else settings.crm).model_extra or {}
    fake = build_fake(role, kind, section, clock=lambda: datetime(2026, 11, 23, tzinfo=UTC))
    fake.lift_limits()
    assert callable(fake)
    if role == "crm":
        assert callable(fake.reopen_task)
