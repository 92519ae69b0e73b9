"""Every line in one format: stdlib loggers (SDKs, urllib3, alembic) go through structlog."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from syncd.runtime.logging import NOISY_LOGGERS, configure_logging
from syncd.settings import DaemonSettings


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


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_stdlib_records_are_rendered_like_structlog_events(json_stream: io.StringIO) -> None:
    logging.getLogger("hubspot.crm.objects").warning("rate limited, %s left", 3)
    structlog.get_logger("syncd").info("polled", source="delighted")
    sdk, ours = _lines(json_stream)
    assert sdk["event"] == "rate limited, 3 left" and sdk["level"] == "warning"
    assert sdk["logger"] == "hubspot.crm.objects" and "timestamp" in sdk
    assert ours["event"] == "polled" and ours["source"] == "delighted" and "timestamp" in ours


def test_chatty_libraries_speak_only_from_warning(json_stream: io.StringIO) -> None:
    for name in ("urllib3.connectionpool", "httpx", "alembic.runtime.migration"):
        logging.getLogger(name).info("Starting new HTTPS connection")
    logging.getLogger("urllib3.connectionpool").warning("Retrying")
    assert [line["event"] for line in _lines(json_stream)] == ["Retrying"]


def test_an_exception_is_one_json_line_with_its_traceback(json_stream: io.StringIO) -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("alembic").error("migration failed", exc_info=True)
        structlog.get_logger("syncd").error("stage failed", exc_info=True)
    lines = _lines(json_stream)
    assert len(lines) == 2
    assert all("RuntimeError: boom" in str(line["exception"]) for line in lines)
