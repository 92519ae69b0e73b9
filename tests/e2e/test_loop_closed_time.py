"""The daemon writes when a follow-up closed onto the contact, for every CRM, over its fake."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import pytest

from connectors.crm.hubspot.fake import HubSpotFake
from connectors.crm.salesforce.fake import SalesforceFake
from syncd.clock import to_ms
from syncd.runtime.compose import build_daemon, load
from syncd.runtime.daemon import Daemon
from syncd.runtime.demo import Sandbox, start_sandbox
from syncd.runtime.demo_config import packaged_config
from syncd.sandbox.fakes import CrmFake
from tests.e2e.helpers import delighted_of
from tests.pipeline.flow import loop


@contextmanager
def sandbox(kind: str, data_dir: Path) -> Iterator[tuple[Sandbox, Daemon]]:
    """The demo config with ``kind``'s CRM section, its fakes on free ports, and a daemon."""
    # Passes run back to back: task changes are read on every one (the default: every 120 s).
    env = {"SYNCD__DAEMON__DATA_DIR": str(data_dir), "SYNCD__TRACKING__INTERVAL_SECONDS": "0"}
    if kind == "hubspot":  # the demo's company roll-up has its own tests
        env["SYNCD__CRM__COMPANY_ROLLUP"] = "false"
    with packaged_config(crm=kind) as path:
        settings = load(path, env)
    box, settings = start_sandbox(settings, any_port=True)
    if isinstance(box.crm, HubSpotFake):
        box.crm.lag_search(0)  # this test is about the loop, not search-index lag
    box.crm.set_up()
    daemon = build_daemon(settings)
    try:
        yield box, daemon
    finally:
        daemon.close()
        box.stop()


def closed_time(fake: CrmFake, contact_id: str) -> int | None:
    """The contact's loop-closed time in epoch ms, as the fake holds it."""
    if isinstance(fake, SalesforceFake):
        (record,) = [r for r in fake.records("Contact") if r["Id"] == contact_id]
        value = record.get("NPS_Loop_Closed_At__c")
        return None if value is None else to_ms(value)
    assert isinstance(fake, HubSpotFake)
    (held,) = [c["properties"] for c in fake.contacts() if c["id"] == contact_id]
    text = held.get("nps_loop_closed_at") or None
    return None if text is None else to_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))


@pytest.mark.parametrize("kind", ["hubspot", "salesforce"])
def test_a_completed_task_shows_on_the_contact_until_a_new_answer(
    tmp_path: Path, kind: str
) -> None:
    with sandbox(kind, tmp_path / "data") as (box, daemon):
        crm, delighted = box.crm, delighted_of(box)
        owner = crm.add_owner("sam@acme.example", "Sam", "Ortiz", teams=["Support"])
        contact = crm.add_contact("dana@client.example", owner_id=owner)
        first = delighted.add_response(email="dana@client.example", score=2)
        daemon.run_once()
        (task,) = [t for t in crm.tasks() if contact in t["contact_ids"]]
        assert closed_time(crm, contact) is None

        crm.complete_task(task["id"])
        summary = daemon.run_once()  # tracked, then the mark delivered in the same pass

        closed_ms = loop(daemon.engine, first)["closed_ms"]
        assert closed_ms is not None and summary.track.marks == 1
        assert closed_time(crm, contact) == closed_ms
        assert summary.deliver.loops_marked == 1

        delighted.add_response(email="dana@client.example", score=9)
        daemon.run_once()
        assert closed_time(crm, contact) is None  # the new answer's loop is not closed
