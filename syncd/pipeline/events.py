"""Loop events: a signed webhook to ``[events] url`` when a loop of a chosen category closes.

Track queues the event in the transaction that closes the loop, so it is never lost and never
slows tracking down; this stage sends what is due, each event at least once. The receiver tells
repeats apart by ``X-Syncd-Event-Id``, the same on every attempt.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from collections.abc import Collection, Sequence
from dataclasses import dataclass

import structlog
from sqlalchemy import Connection, Engine, select

from syncd.clock import from_ms
from syncd.loop_settings import EventSettings
from syncd.model import ResponseKey
from syncd.retry import RetryPolicy
from syncd.store import events as event_store
from syncd.store.codec import response_from_json
from syncd.store.schema import inbox, loops

log = structlog.get_logger(__name__)

SIGNATURE_HEADER = "X-Syncd-Signature"
TIMESTAMP_HEADER = "X-Syncd-Timestamp"
EVENT_ID_HEADER = "X-Syncd-Event-Id"


def sign(secret: str, body: bytes) -> str:
    """The signature header's value: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def queue_closures(
    conn: Connection, settings: EventSettings, keys: Collection[ResponseKey], now_ms: int
) -> int:
    """Queue a ``loop.closed`` event for each closed loop of the configured categories."""
    if not settings.enabled or not keys:
        return 0
    wanted = {category.value for category in settings.categories}
    bodies = [
        (key, body)
        for key, category, body in _closure_bodies(conn, keys, settings.include_comment)
        if category in wanted
    ]
    return event_store.enqueue(conn, event_store.LOOP_CLOSED, bodies, now_ms)


def _closure_bodies(
    conn: Connection, keys: Collection[ResponseKey], include_comment: bool
) -> list[tuple[ResponseKey, str, str]]:
    found = []
    for key in keys:
        row = conn.execute(
            select(loops).where(
                loops.c.source == key.source, loops.c.response_id == key.response_id
            )
        ).first()
        if row is None or row.closed_ms is None:
            continue
        body: dict[str, object] = {
            "event_id": event_store.event_id(key, event_store.LOOP_CLOSED),
            "type": event_store.LOOP_CLOSED,
            "source": key.source,
            "response_id": key.response_id,
            "survey": row.survey,
            "score": row.score,
            "category": row.category,
            "contact_id": row.contact_id,
            "owner_id": row.owner_id,
            "task_id": row.task_id,
            "closed_at": from_ms(row.closed_ms).isoformat(),
            "outcome": row.outcome,
        }
        if include_comment:
            body["comment"] = _comment(conn, key)
        found.append((key, str(row.category), json.dumps(body, sort_keys=True)))
    return found


def _comment(conn: Connection, key: ResponseKey) -> str | None:
    payload = conn.execute(
        select(inbox.c.payload).where(
            inbox.c.source == key.source, inbox.c.response_id == key.response_id
        )
    ).scalar()
    if not payload:
        return None  # retention pruned the answer's payload: the comment is gone
    return response_from_json(payload).comment


@dataclass(slots=True)
class SendResult:
    """Counts of one send pass."""

    sent: int = 0
    retried: int = 0
    dead: int = 0


def send_due(engine: Engine, settings: EventSettings, now_ms: int) -> SendResult:
    """Send every due event once; outcomes are recorded one by one, as they come."""
    result = SendResult()
    if not settings.enabled:
        return result
    with engine.begin() as conn:
        due = event_store.due(conn, now_ms, settings.batch_size)
    _send_all(engine, settings, due, now_ms, result)
    return result


def _send_all(
    engine: Engine,
    settings: EventSettings,
    due: Sequence[event_store.Event],
    now_ms: int,
    result: SendResult,
) -> None:
    policy = RetryPolicy(
        settings.max_attempts, settings.backoff_base_seconds, settings.backoff_max_seconds
    )
    for event in due:
        error = _post(settings, event, now_ms)
        with engine.begin() as conn:
            if error is None:
                event_store.sent(conn, event, now_ms)
                result.sent += 1
            elif policy.exhausted(event.attempts + 1):
                log.warning(
                    "event dead after its last attempt", event_id=event.event_id, error=error
                )
                event_store.failed(conn, event, error, now_ms, None)
                result.dead += 1
            else:
                delay_ms = int(policy.delay(event.attempts + 1) * 1000)
                event_store.failed(conn, event, error, now_ms, now_ms + delay_ms)
                result.retried += 1


def _post(settings: EventSettings, event: event_store.Event, now_ms: int) -> str | None:
    """None when the receiver took the event (2xx), else why not.

    The standard library's client is enough for one small POST per event, and keeps the core
    free of HTTP SDKs (connectors own those).
    """
    if settings.url is None or settings.secret is None:
        return "[events] url and secret are not configured"
    body = event.payload.encode()
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(settings.secret.get_secret_value(), body),
        TIMESTAMP_HEADER: str(now_ms // 1000),
        EVENT_ID_HEADER: event.event_id,
    }
    request = urllib.request.Request(settings.url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout_seconds) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        status = error.code
        error.close()
    except (OSError, ValueError) as error:  # refused, reset, timed out, a garbled answer
        return f"{type(error).__name__}: {error}"
    if 200 <= status < 300:
        return None
    return f"the receiver answered HTTP {status}"
