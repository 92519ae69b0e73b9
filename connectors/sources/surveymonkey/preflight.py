"""``SurveyMonkeySource.check``: each survey's details prove token, scope and survey ids."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from connectors.sources.surveymonkey.details import NoNpsQuestion
from syncd.errors import SourceError
from syncd.model import CheckResult


def check_surveys(
    name: str, surveys: Sequence[str], question: Callable[[str], object]
) -> list[CheckResult]:
    """Read (and cache) each survey's NPS question: one request per survey, from the reserve."""
    results: list[CheckResult] = []
    for survey in surveys:
        what = f"source {name} survey {survey}"
        try:
            question(survey)
        except (SourceError, NoNpsQuestion) as error:
            hint = f"check [sources.{name}] access_token, surveys and nps_question_id"
            results.append(CheckResult(what, False, f"{error}: {hint}"))
        else:
            results.append(CheckResult(what, True, "readable, NPS question found"))
    return results
