"""The chaos table, one row per scenario."""

from __future__ import annotations

from collections.abc import Sequence

from tests.chaos.outcome import Outcome

_HEADER = (
    "scenario",
    "answers",
    "0 tasks",
    "1 task",
    "2+ tasks",
    "contacts ok",
    "lost",
    "duplicated",
    "wall s",
)


def table(outcomes: Sequence[Outcome]) -> str:
    """A Markdown table of ``outcomes``, each row's notes on a line below the table."""
    rows = [
        (
            o.scenario,
            str(o.answers),
            str(o.zero),
            str(o.one),
            str(o.two_plus),
            str(o.contacts_correct),
            str(o.lost),
            str(o.duplicated),
            f"{o.wall_seconds:.0f}",
        )
        for o in outcomes
    ]
    lines = ["| " + " | ".join(_HEADER) + " |", "|" + "---|" * len(_HEADER)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    notes = [f"- {o.scenario}: {o.notes}" for o in outcomes if o.notes]
    return "\n".join(lines + (["", *notes] if notes else []))
