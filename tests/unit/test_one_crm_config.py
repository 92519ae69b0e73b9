"""One CRM per configuration: every way of writing a second one is refused with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.registry import Catalog
from syncd.config_loader import load_settings
from syncd.errors import ConfigError

HEAD = """
[daemon]
data_dir = "{data_dir}"

[sources.delighted]
kind = "delighted"
api_key = "a-key-long-enough"
"""

ONE = """
[crm]
kind = "hubspot"
access_token = "a-token-long-enough"
"""


def _problems(tmp_path: Path, crm_tables: str) -> dict[str, str]:
    path = tmp_path / "syncd.toml"
    path.write_text(HEAD.format(data_dir=tmp_path / "data") + crm_tables, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {}, Catalog())
    return {problem.location: problem.message for problem in caught.value.problems}


SECOND = 'kind = "hubspot"\naccess_token = "another-token-long-enough"\n'


@pytest.mark.parametrize(
    ("tables", "location"),
    [
        (f"[[crm]]\n{SECOND}[[crm]]\n{SECOND}", "crm"),
        (f"{ONE}[crms.eu]\n{SECOND}", "crms"),
        (f"{ONE}[crm2]\n{SECOND}", "crm2"),
        (f"{ONE}[crm.eu]\n{SECOND}", "crm.eu"),
    ],
)
def test_a_second_crm_is_refused_with_the_reason(
    tmp_path: Path, tables: str, location: str
) -> None:
    problems = _problems(tmp_path, tables)
    assert location in problems, problems
    assert "one CRM per configuration and per store" in problems[location]
    assert "run another syncd" in problems[location]


def test_one_crm_with_its_field_names_loads(tmp_path: Path) -> None:
    path = tmp_path / "syncd.toml"
    text = HEAD.format(data_dir=tmp_path / "data") + ONE + '[crm.fields]\nscore = "nps"\n'
    path.write_text(text, encoding="utf-8")
    assert load_settings(path, {}, Catalog()).crm.kind == "hubspot"
