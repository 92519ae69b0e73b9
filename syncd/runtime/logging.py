"""structlog setup: JSON lines in containers, readable lines on a terminal.

Identical warnings and errors repeated within ten minutes are written once, with a count on the
next one after that (``log_shape.CollapseRepeats``); on a terminal a traceback is one line naming
the error and where it was raised, in full only at ``debug``.

Logging is set up twice: from the environment (``SYNCD_LOG_FORMAT``, ``SYNCD_LOG_LEVEL``) before
anything can fail, then from the config once it loads. Libraries that log through the standard
library (the HubSpot SDK, urllib3, httpx, alembic) are routed through the same renderer, so every
line has one format; the chattiest of them only speak at WARNING and above.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import TextIO

import structlog

from syncd.redact import structlog_processor
from syncd.runtime.log_shape import CollapseRepeats, one_line_exception
from syncd.settings import DaemonSettings

#: Loggers that narrate every request or migration step at INFO.
NOISY_LOGGERS = (
    "urllib3",
    "hubspot",
    "httpx",
    "httpcore",
    "alembic",
    "sqlalchemy",
    "waitress",
)


class _SyncdHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the root handler this module installed, so a reconfiguration replaces only it."""


def bootstrap_logging(stream: TextIO | None = None) -> None:
    """Logging from the environment, for the moments before the config is read."""
    env_format = os.environ.get("SYNCD_LOG_FORMAT", "auto").lower()
    env_level = os.environ.get("SYNCD_LOG_LEVEL", "info").lower()
    fmt = env_format if env_format in ("auto", "json", "console") else "auto"
    level = env_level if env_level in ("debug", "info", "warning", "error") else "info"
    _configure(fmt, level, stream or sys.stderr)


def configure_logging(settings: DaemonSettings, *, stream: TextIO | None = None) -> None:
    """Logging as the config's ``[daemon]`` section says."""
    _configure(settings.log_format, settings.log_level, stream or sys.stderr)


def log_crash(message: str = "syncd crashed") -> None:
    """Log the exception being handled as one event, traceback included (one line in JSON)."""
    if not structlog.is_configured():
        bootstrap_logging()
    structlog.get_logger("syncd").critical(message, exc_info=True)


def _configure(fmt: str, level: str, out: TextIO) -> None:
    use_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer()
        if use_json
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    if use_json or level == "debug":
        # The traceback becomes a string field: one event stays one line in JSON.
        shared.append(structlog.processors.format_exc_info)
    else:
        # On a terminal a traceback would spread over the screen: one line says where.
        shared.append(one_line_exception)
    # Last before rendering, for structlog and stdlib lines alike: sees every value, tracebacks
    # included, so no secret reaches the output whatever logged it.
    shared.append(structlog_processor)
    level_no = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        # Repeats are collapsed for syncd's own lines (the libraries' are few: WARNING and up).
        processors=[*shared[:2], CollapseRepeats(), *shared[2:], renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level_no),
        logger_factory=structlog.PrintLoggerFactory(file=out),
        cache_logger_on_first_use=False,
    )
    _route_stdlib(shared, renderer, out, level_no)


def _route_stdlib(
    shared: list[structlog.typing.Processor],
    renderer: structlog.typing.Processor,
    out: TextIO,
    level_no: int,
) -> None:
    handler = _SyncdHandler(out)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _SyncdHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level_no)
    for name in NOISY_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.WARNING, level_no))
