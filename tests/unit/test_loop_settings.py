"""``[routing.escalation]``, a rule's own escalation and ``[events]``, loaded from a file."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.registry import Catalog
from syncd.config_loader import load_settings, settings_secrets
from syncd.errors import ConfigError
from syncd.settings import Settings

BASE = """
[sources.delighted]
kind = "delighted"
api_key = "a-key-long-enough"

[crm]
kind = "hubspot"
access_token = "a-token-long-enough"
"""


def _load(tmp_path: Path, extra: str, env: dict[str, str] | None = None) -> Settings:
    path = tmp_path / "syncd.toml"
    path.write_text(BASE + extra, encoding="utf-8")
    return load_settings(path, env or {}, Catalog())


def test_escalation_and_events_load_with_a_secret_from_the_environment(tmp_path: Path) -> None:
    settings = _load(
        tmp_path,
        """
[routing.escalation]
after_hours = 8
action = "raise_priority"

[[routing.rules]]
name = "vip"
team = "Support"
escalation = { after_hours = 2, action = "reassign", to = "lead@example.com" }

[events]
url = "https://hooks.example.com/syncd"
secret = "env:HOOK_SECRET"
categories = ["detractor", "passive"]
""",
        {"HOOK_SECRET": "s3cret"},
    )
    assert settings.routing.escalation is not None
    assert settings.routing.escalation.action == "raise_priority"
    own = settings.routing.rules[0].escalation
    assert own is not None and (own.action, own.to) == ("reassign", "lead@example.com")
    assert settings.events.enabled and settings.events.secret is not None
    assert settings.events.secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings.events)
    assert "s3cret" in settings_secrets(settings, Catalog())  # redacted from logs and errors


@pytest.mark.parametrize(
    ("extra", "where"),
    [
        ('[routing.escalation]\naction = "reassign"\n', "routing.escalation"),
        ('[routing.escalation]\naction = "shout"\n', "routing.escalation.action"),
        ("[routing.escalation]\nafter_hours = -1\n", "routing.escalation.after_hours"),
        ('[events]\nurl = "https://hooks.example.com"\n', "events"),
        ('[events]\nurl = "ftp://x"\nsecret = "s"\n', "events.url"),
        ('[events]\nurl = "https://h.example"\nsecret = "env:MISSING"\n', "events"),
    ],
)
def test_mistakes_are_named(tmp_path: Path, extra: str, where: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _load(tmp_path, extra)
    assert any(p.location.startswith(where) for p in caught.value.problems), caught.value.problems
