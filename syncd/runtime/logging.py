"""structlog setup: JSON lines in containers, readable lines on a terminal."""

from __future__ import annotations

import logging
import sys

import structlog

from syncd.redact import structlog_processor
from syncd.settings import DaemonSettings


def configure_logging(settings: DaemonSettings, *, stream: object = None) -> None:
    out = stream or sys.stderr
    use_json = settings.log_format == "json" or (
        settings.log_format == "auto" and not getattr(out, "isatty", lambda: False)()
    )
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            structlog_processor,  # last before rendering: sees every value, tracebacks included
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping()[settings.log_level.upper()]
        ),
        logger_factory=structlog.PrintLoggerFactory(file=out),  # type: ignore[arg-type]
        cache_logger_on_first_use=False,
    )
