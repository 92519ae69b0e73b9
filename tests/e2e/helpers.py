"""Building blocks for end-to-end tests: a sandbox, settings pointing at it, CRM checks."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connectors.crm.hubspot.fake import HubSpotFake
from connectors.sources.delighted.fake import DelightedFake
from syncd.runtime.compose import load
from syncd.runtime.demo import Sandbox, start_sandbox
from syncd.sandbox.world import World
from syncd.settings import Settings

DEMO_CONFIG = Path(__file__).parents[2] / "syncd" / "sandbox" / "demo.toml"


def hubspot_of(sandbox: Sandbox) -> HubSpotFake:
    """The demo config's CRM fake, with its HubSpot-only fault injection and inspection."""
    assert isinstance(sandbox.crm, HubSpotFake)
    return sandbox.crm


def delighted_of(sandbox: Sandbox) -> DelightedFake:
    """The demo config's survey fake, with its Delighted-only fault injection."""
    assert isinstance(sandbox.source, DelightedFake)
    return sandbox.source


@contextmanager
def sandbox_settings(data_dir: Path, **env: str) -> Iterator[tuple[Sandbox, Settings]]:
    """Demo settings with a fresh data dir, the fakes on free ports."""
    free_port = {"SYNCD__HTTP__HOST": "127.0.0.1", "SYNCD__HTTP__PORT": "0"}
    # Passes run back to back here: task changes are read on every one (the default reads them at
    # most every 120 s), unless a test says otherwise. The loop's own calls are counted here; the
    # company roll-up the demo config turns on has its own tests (test_hubspot_rollup.py).
    every_pass = {"SYNCD__TRACKING__INTERVAL_SECONDS": "0", "SYNCD__CRM__COMPANY_ROLLUP": "false"}
    overrides = {"SYNCD__DAEMON__DATA_DIR": str(data_dir), **free_port, **every_pass, **env}
    settings = load(DEMO_CONFIG, overrides)
    sandbox, settings = start_sandbox(settings, any_port=True)
    # These tests are about the loop, not search-index lag (the fake's own tests and the demo are).
    hubspot_of(sandbox).lag_search(0)
    sandbox.crm.set_up()
    try:
        yield sandbox, settings
    finally:
        sandbox.stop()


def write_config(settings: Settings, path: Path) -> Path:
    """Write ``settings`` as TOML (the subset the demo uses) for a daemon subprocess."""
    source_name, source = next(iter(settings.sources.items()))
    s_extra, c_extra = source.model_extra or {}, settings.crm.model_extra or {}
    d = settings.delivery
    path.write_text(
        f"""
[daemon]
data_dir = "{settings.daemon.data_dir}"
interval_seconds = {settings.daemon.interval_seconds}
log_format = "json"
[sources.{source_name}]
kind = "{source.kind}"
base_url = "{s_extra["base_url"]}"
api_key = "{s_extra["api_key"]}"
lag_seconds = 0
initial_lookback_days = 14
[crm]
kind = "{settings.crm.kind}"
name = "{settings.crm.name}"
base_url = "{c_extra["base_url"]}"
access_token = "{c_extra["access_token"]}"
match_contacts_by = {json.dumps([str(match) for match in settings.crm.match_contacts_by])}
[delivery]
batch_size = {d.batch_size}
lease_seconds = {d.lease_seconds}
backoff_base_seconds = 0.1
[routing]
fallback_owner = "sam@acme.example"
""",
        encoding="utf-8",
    )
    return path


def expected_task_contacts(world: World) -> dict[str, str]:
    """Contact id -> email for every well-formed answer from a known contact."""
    return {
        world.contacts[email]: email
        for response_id, email in world.responses.items()
        if email in world.contacts and response_id not in world.malformed
    }


def task_counts(sandbox: Sandbox) -> dict[str, int]:
    counts: dict[str, int] = {}
    for task in sandbox.crm.tasks():
        for contact_id in task["contact_ids"]:
            counts[contact_id] = counts.get(contact_id, 0) + 1
    return counts
