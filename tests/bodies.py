"""Small action bodies of every kind, for tests that need an outbox row but not its content."""

from __future__ import annotations

from datetime import UTC, datetime

from syncd.actions import ActionBody, ActionKind, ContactSync, LoopClosedMark, TaskCreate, TaskEdit
from syncd.model import NpsCategory, NpsFields, Priority, Respondent

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def body(kind: ActionKind, version: int = 1) -> ActionBody:
    """A body of ``kind`` whose text names ``version``, so rewrites can be told apart."""
    text = f"v{version}"
    if kind is ActionKind.SYNC_CONTACT:
        fields = NpsFields(score=3, category=NpsCategory.DETRACTOR, responded_at=T0, comment=text)
        return ContactSync(Respondent(email="a@x.example"), fields)
    if kind is ActionKind.CREATE_TASK:
        return TaskCreate("r", None, ("contact_owner",), text, "b", Priority.HIGH, T0)
    if kind is ActionKind.MARK_LOOP:
        return LoopClosedMark(f"c-{text}", T0)
    return TaskEdit(text, "b", Priority.HIGH)
