"""After the demo's week, every contact whose latest answer's follow-up closed shows that time.

The demo runs in-process so the sandbox CRM can be read after the week: the CRM's contacts are
compared with what the store says each contact's latest linked answer is.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from connectors.crm.hubspot.fake import HubSpotFake
from connectors.crm.salesforce.fake import SalesforceFake
from syncd.clock import to_ms
from syncd.runtime import demo
from syncd.runtime.demo_config import load_sandbox_settings

#: Per contact, its latest linked answer's close time (NULL while that loop is open).
LATEST = """
SELECT l.contact_id, l.closed_ms FROM loops l
WHERE l.contact_id IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM loops n WHERE n.crm = l.crm AND n.contact_id = l.contact_id
    AND n.response_ms > l.response_ms)
"""


def _shown(fake: Any) -> dict[str, int]:
    """Contact id -> the loop-closed time the sandbox CRM holds (epoch ms)."""
    if isinstance(fake, SalesforceFake):
        return {
            str(r["Id"]): to_ms(r["NPS_Loop_Closed_At__c"])
            for r in fake.records("Contact")
            if r.get("NPS_Loop_Closed_At__c") is not None
        }
    assert isinstance(fake, HubSpotFake)
    shown: dict[str, int] = {}
    for contact in fake.contacts():
        text = contact["properties"].get("nps_loop_closed_at")
        if text:
            shown[contact["id"]] = to_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))
    return shown


@pytest.mark.slow
@pytest.mark.parametrize("crm", ["hubspot", "salesforce"])
def test_the_demos_contacts_show_when_their_follow_up_closed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crm: str
) -> None:
    started: list[demo.Sandbox] = []
    real_start = demo.start_sandbox

    def keep(*args: Any, **kwargs: Any) -> tuple[demo.Sandbox, Any]:
        box, settings = real_start(*args, **kwargs)
        started.append(box)
        return box, settings

    monkeypatch.setattr(demo, "start_sandbox", keep)
    settings = load_sandbox_settings(None, crm=crm)
    home = tmp_path / "demo"
    demo.run_demo(settings, lambda _: None, data_dir=home, responses=60, step=timedelta(hours=1))

    with sqlite3.connect(home / "syncd.db") as db:
        latest = dict(db.execute(LATEST).fetchall())
    expected = {contact: closed for contact, closed in latest.items() if closed is not None}
    assert expected, "the demo's users closed no follow-up of a latest answer"
    assert _shown(started[0].crm) == expected
