"""The webhook routes the daemon's HTTP port mounts: one per enabled source that takes webhooks."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sqlalchemy import Engine

from syncd.contracts import SurveySource, WebhookReceiver
from syncd.http.exchange import Handler
from syncd.intake.stats import WebhookStats
from syncd.intake.webhook import PREFIX, WebhookIntake
from syncd.settings import Settings


def webhook_intake(
    settings: Settings,
    sources: Mapping[str, SurveySource],
    engine: Engine,
    stats: WebhookStats | None = None,
    on_stored: Callable[[], None] | None = None,
) -> WebhookIntake:
    """One handler for every ``/webhooks/<name>`` path (404 for names it does not serve).

    For a server that routes by prefix. ``sources`` are the daemon's built sources by name; those
    implementing ``WebhookReceiver`` are served.
    """
    receivers = {
        name: source for name, source in sources.items() if isinstance(source, WebhookReceiver)
    }
    return WebhookIntake(
        receivers,
        engine,
        max_body_bytes=settings.webhooks.max_body_bytes,
        stats=stats,
        on_stored=on_stored,
    )


def webhook_routes(
    settings: Settings,
    sources: Mapping[str, SurveySource],
    engine: Engine,
    stats: WebhookStats | None = None,
) -> dict[str, Handler]:
    """Exact path -> handler, ``/webhooks/<name>`` for each source that takes webhooks.

    Every route shares one intake (and so one ``stats``); a server that matches exact paths
    mounts these, and answers 404 for the rest itself.
    """
    intake = webhook_intake(settings, sources, engine, stats)
    return {f"{PREFIX}{name}": intake for name in intake.receivers}
