"""The NPS question of a survey, read from its details once and kept.

SurveyMonkey's NPS question is ``family: "matrix"``, ``subtype: "rating"`` with one row and 11
choices "0" ... "10"; each choice's ``weight`` is the NPS bucket (-100, 0, 100), not the score
[SurveyMonkey/public_api_docs includes/_question_bank.md]. So the score is the choice's place
among the choices ordered by ``position``: 0 for the first, 10 for the last. Answers carry only
``choice_id``, so the map from choice id to score is what polling needs from the details.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

NPS_CHOICES = 11


@dataclass(frozen=True, slots=True)
class NpsQuestion:
    """Where a survey's NPS answer is, what each choice scores, and where the comment is."""

    question_id: str
    scores: Mapping[str, int]
    #: None: the first text answer after the NPS question.
    comment_question_id: str | None = None


class NoNpsQuestion(ValueError):
    """The survey's details hold no usable NPS question."""


def nps_question(
    details: Mapping[str, object], question_id: str | None, comment_id: str | None
) -> NpsQuestion:
    """The NPS question named by ``question_id``, else the survey's only 11-choice rating."""
    questions = list(_questions(details))
    if question_id is not None:
        chosen = [q for q in questions if str(q.get("id")) == question_id]
        what = f"question {question_id}"
    else:
        chosen = [q for q in questions if _looks_like_nps(q)]
        what = "an 11-choice rating question (set nps_question_id if there are several)"
    if len(chosen) != 1:
        raise NoNpsQuestion(f"the survey has {'no' if not chosen else 'more than one'} {what}")
    choices = _choices(chosen[0])
    if len(choices) != NPS_CHOICES:
        raise NoNpsQuestion(f"question {chosen[0].get('id')} has {len(choices)} choices, not 11")
    ordered = sorted(choices, key=lambda c: (_position(c), choices.index(c)))
    scores = {str(choice.get("id")): score for score, choice in enumerate(ordered)}
    return NpsQuestion(str(chosen[0].get("id")), scores, comment_id)


def _questions(details: Mapping[str, object]) -> Iterator[dict[str, Any]]:
    pages = details.get("pages")
    for page in pages if isinstance(pages, list) else []:
        questions = page.get("questions") if isinstance(page, dict) else None
        for question in questions if isinstance(questions, list) else []:
            if isinstance(question, dict):
                yield question


def _looks_like_nps(question: Mapping[str, Any]) -> bool:
    family, subtype = question.get("family"), question.get("subtype")
    return family == "matrix" and subtype == "rating" and len(_choices(question)) == NPS_CHOICES


def _choices(question: Mapping[str, Any]) -> list[dict[str, Any]]:
    answers = question.get("answers")
    choices = answers.get("choices") if isinstance(answers, dict) else None
    return [c for c in choices if isinstance(c, dict)] if isinstance(choices, list) else []


def _position(choice: Mapping[str, Any]) -> int:
    value = choice.get("position")
    return value if isinstance(value, int) and not isinstance(value, bool) else 10**6
