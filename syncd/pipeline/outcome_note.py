"""Whether a completed task carries the owner's note: its body differs from what syncd wrote.

Used when no outcome field is configured. The text syncd last planned for the task (its create,
or the latest merge into it) is compared with the body read back, both with markup and spacing
evened out (HubSpot keeps task bodies as rich text). When syncd's text is no longer known
(retention pruned the action), nothing can be told and no note is assumed.
"""

from __future__ import annotations

import html
import re

from sqlalchemy import Connection

from syncd.model import ResponseKey
from syncd.store import task_content
from syncd.store.loops import NoteCheck
from syncd.store.outbox import ActionKind, key_for

_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")


def plain(text: str) -> str:
    """``text`` without markup or entities, whitespace collapsed: what a reader sees."""
    return _SPACE.sub(" ", html.unescape(_TAG.sub(" ", text))).strip()


def owner_wrote_note(conn: Connection) -> NoteCheck:
    """A check, within ``conn``'s transaction, of a loop's task body read back from the CRM."""

    def check(key: ResponseKey, body: str) -> bool:
        written = task_content.latest(
            conn, key_for(key.source, key.response_id, ActionKind.CREATE_TASK)
        )
        if written is None or written.body is None:
            return False
        return plain(body) != plain(written.body)

    return check
