"""Repeated identical errors are written once with a count; a traceback on a terminal is a line."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog

from syncd.runtime.log_shape import CollapseRepeats, one_line_exception
from syncd.runtime.logging import NOISY_LOGGERS, configure_logging
from syncd.settings import DaemonSettings


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _emit(collapse: CollapseRepeats, method: str, **fields: Any) -> dict[str, Any] | None:
    try:
        return dict(collapse(None, method, dict(fields)))
    except structlog.DropEvent:
        return None


def test_identical_errors_inside_the_window_pass_once_then_carry_the_count() -> None:
    clock = Clock()
    collapse = CollapseRepeats(600, clock)
    first = _emit(collapse, "error", event="stage failed", error="down", retry_in_seconds=60)
    held = []
    for step in range(57):
        clock.now = 1 + step * 10
        held.append(
            _emit(collapse, "error", event="stage failed", error="down", retry_in_seconds=5)
        )
    clock.now = 600.0
    later = _emit(collapse, "error", event="stage failed", error="down")
    assert first is not None and "repeated" not in first
    assert held == [None] * 57
    assert later is not None and later["repeated"] == "57 times in 10 min"


def test_different_errors_levels_and_info_lines_are_never_collapsed() -> None:
    collapse = CollapseRepeats(600, Clock())
    assert _emit(collapse, "error", event="stage failed", error="down") is not None
    assert _emit(collapse, "error", event="stage failed", error="refused") is not None
    assert _emit(collapse, "warning", event="stage failed", error="down") is not None
    assert _emit(collapse, "error", event="stage failed", error="down", source="b") is not None
    for _ in range(3):
        assert _emit(collapse, "info", event="polled", fetched=0) is not None


@pytest.fixture
def console() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in NOISY_LOGGERS}
    root_level, handlers = root.level, list(root.handlers)
    stream = io.StringIO()
    configure_logging(DaemonSettings(log_format="console"), stream=stream)
    yield stream
    structlog.reset_defaults()
    root.handlers[:] = handlers
    root.setLevel(root_level)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def _fail() -> None:
    raise RuntimeError("boom")


def test_on_a_terminal_a_traceback_is_one_line_naming_where(console: io.StringIO) -> None:
    try:
        _fail()
    except RuntimeError:
        structlog.get_logger("syncd").error("stage failed", exc_info=True)
    lines = console.getvalue().splitlines()
    assert len(lines) == 1
    assert "RuntimeError: boom (at test_log_shape.py:" in lines[0] and "in _fail)" in lines[0]
    assert "Traceback" not in console.getvalue()


def test_the_configured_logger_collapses_repeats(console: io.StringIO) -> None:
    for _ in range(5):
        structlog.get_logger("syncd").error("stage failed", stage="poll x", error="down")
    assert len(console.getvalue().splitlines()) == 1


def test_one_line_exception_leaves_lines_without_one_alone() -> None:
    assert one_line_exception(None, "info", {"event": "x"}) == {"event": "x"}
