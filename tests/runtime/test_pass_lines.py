"""A pass as an SRE reads it in JSON: one summary per stage, lines naming source, CRM, batch."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog

from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon
from syncd.runtime.logging import NOISY_LOGGERS, configure_logging
from syncd.sandbox.world import seed
from syncd.settings import DaemonSettings
from tests.e2e.helpers import sandbox_settings


@pytest.fixture
def json_stream() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    root_level, handlers = root.level, list(root.handlers)
    stream = io.StringIO()
    configure_logging(DaemonSettings(log_format="json"), stream=stream)
    yield stream
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(root_level)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_one_pass_logs_a_summary_per_stage_and_names_what_each_line_is_about(
    tmp_path: Path, json_stream: io.StringIO
) -> None:
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=30)
        daemon = build_daemon(settings)
        try:
            daemon.run_once()
        finally:
            daemon.close()
    lines: list[dict[str, Any]] = [json.loads(line) for line in json_stream.getvalue().splitlines()]
    by_event = {line["event"]: line for line in lines}
    assert by_event["polled"]["source"] == "delighted" and by_event["polled"]["fetched"] == 30
    assert by_event["planned"]["planned"] == 30
    delivered = by_event["delivered"]
    assert delivered["crm"] == "hubspot" and delivered["tasks_created"] > 0
    assert delivered["crm_calls"] > 0 and delivered["seconds"] >= 0
    assert by_event["tracked"]["crm"] == "hubspot"
    failed_actions = [line for line in lines if line["event"] == "action failed"]
    assert failed_actions, "the seeded world has an unknown contact"
    assert all(line["crm"] == "hubspot" and line["batch"] for line in failed_actions)
    quarantined = [line for line in lines if line["event"] == "response quarantined"]
    assert quarantined and all(line["source"] == "delighted" for line in quarantined)
