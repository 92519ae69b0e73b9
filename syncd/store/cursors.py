"""Watermarks that only move forward."""

from __future__ import annotations

from sqlalchemy import Connection, select, update

from syncd.store.schema import cursors
from syncd.store.upsert import insert_ignore


def get_watermark(conn: Connection, name: str) -> int | None:
    """The stored watermark of cursor ``name`` in epoch milliseconds; None before its first pass."""
    return conn.execute(select(cursors.c.watermark_ms).where(cursors.c.name == name)).scalar()


def advance(conn: Connection, name: str, watermark_ms: int, now_ms: int) -> None:
    """Move the cursor to ``watermark_ms`` unless it is already further; never backwards."""
    row = {"name": name, "watermark_ms": watermark_ms, "updated_ms": now_ms}
    if insert_ignore(conn, cursors, row):
        return
    conn.execute(
        update(cursors)
        .where(cursors.c.name == name, cursors.c.watermark_ms < watermark_ms)
        .values(watermark_ms=watermark_ms, updated_ms=now_ms)
    )
