"""``[crm] match_contacts_by``: its syntax, default, messages and round trip."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.registry import Catalog
from syncd.config_loader import load_settings
from syncd.contact_match import BY_EMAIL, ContactMatch
from syncd.errors import ConfigError
from syncd.model import ContactField, RespondentId
from syncd.settings import Settings

BASE = """
[sources.delighted]
kind = "delighted"
api_key = "k"

[crm]
kind = "hubspot"
access_token = "t"
"""


def load(tmp_path: Path, extra: str = "", env: dict[str, str] | None = None) -> Settings:
    path = tmp_path / "syncd.toml"
    path.write_text(BASE + extra, encoding="utf-8")
    return load_settings(path, env or {}, Catalog())


def problems(tmp_path: Path, extra: str) -> dict[str, str]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, extra)
    return {p.location: p.message for p in caught.value.problems}


def test_default_is_email_only(tmp_path: Path) -> None:
    assert load(tmp_path).crm.match_contacts_by == (BY_EMAIL,)


def test_identifiers_are_parsed_in_order_and_kept_from_the_connector(tmp_path: Path) -> None:
    settings = load(
        tmp_path, 'match_contacts_by = ["person_id:delighted_id", "email", "external_id:cid"]\n'
    )

    assert settings.crm.match_contacts_by == (
        ContactMatch(RespondentId.PERSON_ID, ContactField("delighted_id")),
        BY_EMAIL,
        ContactMatch(RespondentId.EXTERNAL_ID, ContactField("cid")),
    )
    assert "match_contacts_by" not in (settings.crm.model_extra or {})
    shown = settings.model_dump(mode="json")["crm"]["match_contacts_by"]
    assert shown == ["person_id:delighted_id", "email", "external_id:cid"]
    assert Settings.model_validate(settings.model_dump(mode="json")) == settings


def test_environment_override(tmp_path: Path) -> None:
    env = {"SYNCD__CRM__MATCH_CONTACTS_BY": '["external_id:customer_id"]'}
    settings = load(tmp_path, env=env)
    assert [str(m) for m in settings.crm.match_contacts_by] == ["external_id:customer_id"]


@pytest.mark.parametrize(
    ("entries", "location", "message"),
    [
        ('["phone"]', "crm.match_contacts_by.0", "unknown respondent identifier 'phone'"),
        ('["email", "external_id:"]', "crm.match_contacts_by.1", "needs the CRM contact property"),
        ('["person_id:my id"]', "crm.match_contacts_by.0", "without spaces"),
        ('["email:work_email"]', "crm.match_contacts_by.0", "CRM's own email field"),
        ('["email", "email"]', "crm.match_contacts_by", "repeated: email"),
        ("[]", "crm.match_contacts_by", "list at least one way to find a contact"),
    ],
)
def test_bad_entries_are_named_with_what_to_write(
    tmp_path: Path, entries: str, location: str, message: str
) -> None:
    found = problems(tmp_path, f"match_contacts_by = {entries}\n")
    assert message in found[location]
