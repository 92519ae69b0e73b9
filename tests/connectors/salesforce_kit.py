"""The Salesforce fake on loopback and a ``SalesforceCrm`` talking to it, for connector tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.crm.salesforce import SalesforceCrm, SalesforceSettings
from connectors.crm.salesforce.fake import SalesforceFake
from syncd.model import NpsCategory, NpsFields, Priority, TaskSpec
from syncd.sandbox.http import LoopbackServer
from tests.contracts.adapters import Recorder

CREDENTIALS = {"consumer_key": "sandbox-consumer-key", "consumer_secret": "sandbox-consumer-secret"}
NOW = datetime.now(UTC).replace(microsecond=0)


@contextmanager
def served(fake: SalesforceFake, **options: Any) -> Iterator[tuple[SalesforceCrm, Recorder]]:
    """A connector on ``fake`` (served on a free port) with a clock that moves when slept."""
    clock = Recorder()
    with LoopbackServer(fake) as server:
        values = {"base_url": server.base_url, **CREDENTIALS, **options}
        crm = SalesforceCrm(
            "salesforce",
            SalesforceSettings.model_validate(values),
            sleep=clock.sleep,
            clock=clock,
        )
        try:
            yield crm, clock
        finally:
            crm.close()


def task(key: str, contact_id: str, owner_id: str | None = None) -> TaskSpec:
    return TaskSpec(
        key=key,
        contact_id=contact_id,
        owner_id=owner_id,
        subject=f"Follow up {key}",
        body="Customer answered 3.",
        priority=Priority.HIGH,
        due_at=NOW + timedelta(days=2),
    )


def nps(score: int = 3) -> NpsFields:
    return NpsFields(
        score=score,
        category=NpsCategory.from_score(score),
        responded_at=NOW,
        comment="slow support",
        source="delighted",
    )
