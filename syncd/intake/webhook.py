"""``/webhooks/<source name>``: verify a pushed delivery over its raw body, then store it.

The order is the point: the size is bounded before anything else, the signature is checked over
the bytes as received before a single byte is parsed, and only what verified reaches the inbox,
through ``keep_page`` in one transaction, as polling does. A delivery replayed by the sender, or
an answer also polled, is therefore stored once. The handler answers from what it has without
calling out, so the sender gets its 2xx fast, and it never raises.

Answers: 200 with counts; 400 for a body the source cannot read (quarantined once, raw: the
receiver raised, or set the whole delivery aside without a response id); 401
for a forged or unsigned delivery; 404 for a name no enabled webhook source has; 405 for other
methods than POST; 413 over the size limit; 503 when the store cannot take it (senders retry).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime

import structlog
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from syncd.clock import to_ms, utcnow
from syncd.contracts import WebhookReceiver
from syncd.http.exchange import Request, Response
from syncd.intake.kept import keep
from syncd.intake.stats import UNKNOWN, Outcome, WebhookStats
from syncd.model import Rejected, SourcePage

log = structlog.get_logger(__name__)

#: The path every webhook route starts with; the rest is the source's name.
PREFIX = "/webhooks/"
#: Default body limit: NPS deliveries are a few kilobytes.
DEFAULT_MAX_BODY_BYTES = 1024 * 1024


class WebhookIntake:
    """A ``Handler`` for every ``/webhooks/<name>`` path, over the sources that take webhooks."""

    def __init__(
        self,
        receivers: Mapping[str, WebhookReceiver],
        engine: Engine,
        *,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        stats: WebhookStats | None = None,
        clock: Callable[[], datetime] = utcnow,
        on_stored: Callable[[], None] | None = None,
    ) -> None:
        self.receivers = dict(receivers)
        #: Called after a delivery stored new answers (the daemon plans them at once).
        self._on_stored = on_stored
        self.max_body_bytes = max_body_bytes
        self.stats = stats or WebhookStats()
        self._engine = engine
        self._clock = clock

    def __call__(self, request: Request) -> Response:
        """Take one delivery; every failure is an HTTP answer, never an exception."""
        name = request.path.removeprefix(PREFIX).strip("/")
        receiver = self.receivers.get(name) if request.path.startswith(PREFIX) else None
        if receiver is None:
            return self._refuse(UNKNOWN, Outcome.UNKNOWN_SOURCE, 404, "no webhook source here")
        try:
            return self._take(name, receiver, request)
        except Exception:  # the contract: a route never raises
            log.exception("webhook intake failed", source=name)
            return _answer(500, error="internal error")

    def _take(self, name: str, receiver: WebhookReceiver, request: Request) -> Response:
        if request.method != "POST":
            response = self._refuse(name, Outcome.WRONG_METHOD, 405, "POST only")
            return Response(405, response.body, headers={"Allow": "POST"})
        if len(request.body) > self.max_body_bytes:
            limit = f"body over {self.max_body_bytes} bytes"
            return self._refuse(name, Outcome.TOO_LARGE, 413, limit)
        if not _verified(receiver, request):
            log.warning("webhook delivery refused: signature or secret did not verify", source=name)
            return self._refuse(name, Outcome.UNAUTHORIZED, 401, "signature did not verify")
        try:
            page = receiver.parse_webhook(request.body)
        except Exception as error:  # the receiver's way to say "this body is unreadable"
            return self._malformed(name, request.body, error)
        if _unreadable(page):  # the other way: the whole body set aside, without an id
            stored = self._store(name, page, Outcome.MALFORMED, 400)
            return stored if stored.status != 400 else _answer(400, error=page.rejected[0].reason)
        return self._store(name, page, Outcome.ACCEPTED, 200)

    def _malformed(self, name: str, body: bytes, error: Exception) -> Response:
        reason = f"webhook body could not be read: {_first_line(error)}"
        item = Rejected(source=name, response_id=None, reason=reason, payload=raw_text(body))
        stored = self._store(name, SourcePage((), (item,)), Outcome.MALFORMED, 400)
        return stored if stored.status != 400 else _answer(400, error=reason)

    def _store(self, name: str, page: SourcePage, outcome: Outcome, status: int) -> Response:
        try:
            with self._engine.begin() as conn:
                kept = keep(conn, page, to_ms(self._clock()))
        except SQLAlchemyError as error:
            log.error("webhook delivery not stored", source=name, error=_first_line(error))
            return self._refuse(name, Outcome.STORE_FAILED, 503, "store unavailable; retry")
        self.stats.delivery(name, outcome)
        self.stats.record(
            name, stored=kept.stored, quarantined=kept.quarantined, unchanged=kept.unchanged
        )
        if kept.stored and self._on_stored is not None:
            self._on_stored()
        counts = {"received": kept.read, "stored": kept.stored, "unchanged": kept.unchanged}
        return _answer(status, **counts, quarantined=kept.quarantined, skipped=kept.skipped)

    def _refuse(self, name: str, outcome: Outcome, status: int, message: str) -> Response:
        self.stats.delivery(name, outcome)
        return _answer(status, error=message)


def _unreadable(page: SourcePage) -> bool:
    """Nothing in the delivery was usable and what was set aside has no response id."""
    rejected = page.rejected
    return (
        not page.responses
        and not page.skipped
        and bool(rejected)
        and all(item.response_id is None for item in rejected)
    )


def _verified(receiver: WebhookReceiver, request: Request) -> bool:
    headers = {key.lower(): value for key, value in request.headers.items()}
    try:
        return receiver.verify_webhook(headers, request.body) is True
    except Exception:  # a verifier that trips over odd input has not verified it
        return False


def raw_text(body: bytes) -> str:
    """A body as quarantine text: undecodable bytes and NULs become U+FFFD, nothing is dropped."""
    return body.decode("utf-8", "replace").replace("\x00", "\ufffd")


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return (lines[0] if lines else type(error).__name__)[:200]


def _answer(status: int, **fields: object) -> Response:
    return Response(status, json.dumps(fields, sort_keys=True).encode())
