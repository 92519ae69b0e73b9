"""build_report against an in-memory SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy
from sqlalchemy import insert

from syncd.clock import to_ms
from syncd.model import Owner, SurveyResponse
from syncd.report import build_report, render_text
from syncd.report.metrics import UNASSIGNED
from syncd.store import owners, schema
from syncd.store.inbox import store_response

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
NOW = T0 + timedelta(hours=48)
H = 3_600_000
T0_MS = to_ms(T0)


@pytest.fixture
def conn() -> Iterator[sqlalchemy.Connection]:
    engine = sqlalchemy.create_engine("sqlite://")
    schema.metadata.create_all(engine)
    with engine.begin() as connection:
        yield connection
    engine.dispose()


def add_loop(conn: sqlalchemy.Connection, source: str, response_id: str, **values: Any) -> None:
    row = {"crm": "hubspot", "score": 0, "updated_ms": 0, **values}
    conn.execute(insert(schema.loops).values(source=source, response_id=response_id, **row))


def answer(
    conn: sqlalchemy.Connection,
    source: str,
    response_id: str,
    score: int,
    at: datetime,
    *,
    v: int = 1,
) -> None:
    response = SurveyResponse(source, response_id, v, score, at, at)
    store_response(conn, response, to_ms(at))


def add_outbox(conn: sqlalchemy.Connection, key: str, kind: str, status: str, source: str) -> None:
    conn.execute(
        insert(schema.outbox).values(
            key=key,
            crm="hubspot",
            kind=kind,
            source=source,
            response_id=key,
            version=1,
            payload="{}",
            status=status,
            attempts=0,
            next_attempt_ms=0,
            created_ms=0,
            updated_ms=0,
        )
    )


def add_quarantine(
    conn: sqlalchemy.Connection, n: int, code: str, source: str = "delighted", **extra: Any
) -> None:
    conn.execute(
        insert(schema.quarantine).values(
            source=source,
            response_id=f"q{n}",
            stage="poll",
            reason_code=code,
            reason=f"reason {n}",
            payload="{}",
            created_ms=T0_MS + n,
            **extra,
        )
    )


@pytest.fixture
def store(conn: sqlalchemy.Connection) -> sqlalchemy.Connection:
    ann = Owner("u1", "ann@example.com", "Ann Lee", frozenset({"support"}))
    owners.replace(conn, "hubspot", [ann, Owner("u2", "bob@example.com", "Bob Roy")], 0)
    # r1 closed inside its SLA; r2 open and overdue; r3 had no task; r4 is old and closed late.
    add_loop(
        conn,
        "delighted",
        "r1",
        category="promoter",
        team="support",
        owner_id="u1",
        task_id="t1",
        response_ms=T0_MS,
        due_ms=T0_MS + 24 * H,
        task_created_ms=T0_MS + H,
        first_touch_ms=T0_MS + 2 * H,
        closed_ms=T0_MS + 5 * H,
    )
    add_loop(
        conn,
        "delighted",
        "r2",
        category="passive",
        team="sales",
        owner_id="u2",
        task_id="t2",
        response_ms=T0_MS + H,
        due_ms=T0_MS + 2 * H,
        task_created_ms=T0_MS + 3 * H,
    )
    add_loop(conn, "typeform", "r3", category="promoter", response_ms=T0_MS + 2 * H)
    add_loop(
        conn,
        "delighted",
        "r4",
        category="detractor",
        team="support",
        owner_id="u404",
        task_id="t4",
        response_ms=T0_MS - 240 * H,
        due_ms=T0_MS - 216 * H,
        task_created_ms=T0_MS - 239 * H,
        closed_ms=T0_MS - 100 * H,
    )
    answer(conn, "delighted", "r1", 2, T0)
    answer(conn, "delighted", "r1", 10, T0, v=2)  # the newer version is the one that counts
    answer(conn, "delighted", "r2", 8, T0 + timedelta(hours=1))
    answer(conn, "typeform", "r3", 9, T0 + timedelta(hours=2))
    answer(conn, "delighted", "r4", 0, T0 - timedelta(days=10))
    add_outbox(conn, "a", "create_task", "done", "delighted")
    add_outbox(conn, "b", "create_task", "done", "delighted")
    add_outbox(conn, "c", "sync_contact", "pending", "delighted")
    add_outbox(conn, "d", "sync_contact", "dead", "typeform")
    for n in range(11):
        add_quarantine(conn, n, "bad_score")
    add_quarantine(conn, 11, "no_email", source="typeform")
    add_quarantine(conn, 12, "old", resolved_ms=T0_MS)
    return conn


def test_loop_metrics_overall(store: sqlalchemy.Connection) -> None:
    m = build_report(store, now=NOW).overall
    assert (m.responses, m.tasks, m.closed, m.open, m.overdue) == (4, 3, 2, 1, 1)
    assert (m.sla_met, m.sla_counted) == (1, 3)  # r1 met; r4 late; r2 open past due
    assert m.time_to_close.count == 2
    assert m.time_to_close.median_ms == (5 * H + 140 * H) / 2


def test_groups(store: sqlalchemy.Connection) -> None:
    report = build_report(store, now=NOW)
    assert [(g.key, g.metrics.responses) for g in report.by_category] == [
        ("detractor", 1),
        ("passive", 1),
        ("promoter", 2),
    ]
    assert [g.key for g in report.by_team] == ["sales", "support", "(no team)"]
    named = [(g.key, g.label, g.email, g.metrics.open) for g in report.by_owner]
    assert named == [
        ("hubspot:u1", "Ann Lee", "ann@example.com", 0),
        ("hubspot:u2", "Bob Roy", "bob@example.com", 1),
        ("hubspot:u404", "u404", None, 0),
        (UNASSIGNED, UNASSIGNED, None, 0),
    ]


def test_nps_uses_the_latest_version_of_each_response(store: sqlalchemy.Connection) -> None:
    report = build_report(store, now=NOW)
    nps = report.nps
    assert (nps.promoters, nps.passives, nps.detractors, nps.score) == (2, 1, 1, 25)
    assert {name: n.score for name, n in report.nps_by_source.items()} == {
        "delighted": 0,
        "typeform": 100,
    }


def test_since_filter(store: sqlalchemy.Connection) -> None:
    report = build_report(store, now=NOW, since=T0)
    assert report.overall.responses == 3
    assert report.overall.sla_counted == 2
    assert (report.nps.responses, report.nps.score) == (3, 67)  # 2/3 promoters rounds to 67
    assert report.pipeline.outbox["create_task"]["done"] == 2  # health is not time-filtered


def test_source_filter(store: sqlalchemy.Connection) -> None:
    report = build_report(store, now=NOW, source="typeform")
    assert report.overall.responses == 1
    assert report.overall.tasks == 0
    assert list(report.nps_by_source) == ["typeform"]
    assert dict(report.pipeline.outbox) == {
        "sync_contact": dict.fromkeys(
            ("waiting", "pending", "in_flight", "done", "dead", "skipped", "quarantined"), 0
        )
        | {"dead": 1}
    }
    assert dict(report.pipeline.quarantine_by_reason) == {"no_email": 1}


def test_pipeline_health(store: sqlalchemy.Connection) -> None:
    health = build_report(store, now=NOW).pipeline
    assert list(health.outbox) == ["create_task", "sync_contact"]
    assert health.outbox["create_task"]["done"] == 2
    assert health.outbox["sync_contact"]["pending"] == 1
    assert health.outbox["sync_contact"]["in_flight"] == 0
    assert dict(health.quarantine_by_reason) == {"bad_score": 11, "no_email": 1}
    recent = [q.response_id for q in health.recent_quarantine]
    assert recent == [f"q{n}" for n in range(11, 1, -1)]  # newest ten, resolved one left out


def test_empty_store(conn: sqlalchemy.Connection) -> None:
    report = build_report(conn, now=NOW)
    assert report.overall.responses == 0
    assert report.nps.score is None
    assert report.overall.sla_share is None
    assert "no responses yet" in render_text(report)


def test_naive_times_are_utc(store: sqlalchemy.Connection) -> None:
    naive = build_report(store, now=NOW.replace(tzinfo=None), since=T0.replace(tzinfo=None))
    assert naive.overall == build_report(store, now=NOW, since=T0).overall
