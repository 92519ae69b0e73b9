"""One sandbox survey as SurveyMonkey describes it: its details and its answers' shape.

The NPS question is the question bank's: ``family: "matrix"``, ``subtype: "rating"``, one row,
11 choices whose ``weight`` is the NPS bucket (-100, 0, 100), not the score
[SurveyMonkey/public_api_docs includes/_question_bank.md]. Choice ids are not in score order
and the details list the choices out of order, so only ``position`` gives the score.
"""

from __future__ import annotations

from typing import Any

PAGE_ID = "77120045"
NPS_QUESTION = "330011221"
COMMENT_QUESTION = "330011222"
ROW_ID = "2290014446"
#: Choice id of each score 0-10: unrelated to the score's order, as real ids are.
CHOICES = tuple(str(2290014450 + (score * 7) % 11) for score in range(11))


def _weight(score: int) -> int:
    return -100 if score <= 6 else 0 if score <= 8 else 100


def details(survey: str) -> dict[str, Any]:
    """``GET /v3/surveys/{id}/details`` for the sandbox survey."""
    choices = [
        {"id": CHOICES[score], "position": score + 1, "text": str(score), "weight": _weight(score)}
        for score in range(11)
    ]
    choices[0]["text"], choices[10]["text"] = "Not at all likely - 0", "Extremely likely - 10"
    nps = {
        "id": NPS_QUESTION,
        "family": "matrix",
        "subtype": "rating",
        "position": 1,
        "headings": [{"heading": "How likely are you to recommend us to a friend?"}],
        "answers": {"rows": [{"id": ROW_ID, "text": ""}], "choices": choices[::-1]},
    }
    comment = {
        "id": COMMENT_QUESTION,
        "family": "open_ended",
        "subtype": "essay",
        "position": 2,
        "headings": [{"heading": "What is the main reason for your score?"}],
    }
    return {
        "id": survey,
        "title": "Sandbox NPS",
        "question_count": 2,
        "page_count": 1,
        "pages": [{"id": PAGE_ID, "position": 1, "questions": [nps, comment]}],
    }


def answer_pages(score: object, comment: str | None) -> list[dict[str, Any]]:
    """``pages`` of a response: the NPS choice (an unknown id for a score outside 0-10)."""
    questions: list[dict[str, Any]] = []
    if score is not None:
        known = isinstance(score, int) and not isinstance(score, bool) and 0 <= score <= 10
        choice = CHOICES[score] if known and isinstance(score, int) else f"999{score!s:.20}"
        questions.append({"id": NPS_QUESTION, "answers": [{"choice_id": choice, "row_id": ROW_ID}]})
    if comment is not None:
        questions.append({"id": COMMENT_QUESTION, "answers": [{"text": comment}]})
    return [{"id": PAGE_ID, "questions": questions}]
