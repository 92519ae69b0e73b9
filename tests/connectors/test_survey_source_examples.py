"""The example config documents every Typeform and SurveyMonkey option, and they validate."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from pydantic import BaseModel

from connectors.sources.surveymonkey import SurveyMonkeySettings
from connectors.sources.typeform import TypeformSettings
from syncd.settings import SourceSettings

EXAMPLE = Path(__file__).parents[2] / "config" / "syncd.example.toml"


def _commented_table(name: str) -> dict[str, object]:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    start = lines.index(f"# [sources.{name}]")
    block = []
    for line in lines[start + 1 :]:
        if not line.startswith("# ") or not line[2:3].isalpha():
            break
        block.append(line[2:])
    table: dict[str, object] = tomllib.loads("\n".join(block))
    return table


@pytest.mark.parametrize(
    ("name", "model"), [("typeform", TypeformSettings), ("surveymonkey", SurveyMonkeySettings)]
)
def test_every_option_is_documented_and_valid(name: str, model: type[BaseModel]) -> None:
    table = _commented_table(name)
    options = {key: value for key, value in table.items() if key not in SourceSettings.model_fields}
    options = {k: ("secret" if str(v).startswith("env:") else v) for k, v in options.items()}

    model.model_validate(options)
    assert set(model.model_fields) <= set(options)
