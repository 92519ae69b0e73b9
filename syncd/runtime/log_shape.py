"""Two structlog processors that keep the log readable when things go wrong.

``CollapseRepeats``: the same warning or error (every field equal but the time) within a window
is written once; the first one after the window says how many were held back, so a source down
for an hour costs a few lines, not thousands. ``one_line_exception``: a traceback becomes one
field naming the error and where it was raised (before redaction, so it is redacted too).
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, MutableMapping
from typing import Any

import structlog

#: Levels whose repeats are collapsed; info lines (pass summaries) are never held back.
COLLAPSED_LEVELS = frozenset({"warning", "error", "critical", "exception"})
#: Fields that differ between otherwise identical lines.
VOLATILE = frozenset({"timestamp", "retry_in_seconds", "wait_seconds", "exc_info", "seconds"})
#: Distinct lines remembered; the oldest is forgotten first.
MAX_REMEMBERED = 1000


class CollapseRepeats:
    """Drops repeats of a warning/error within ``window_seconds``, counting them."""

    def __init__(
        self, window_seconds: float = 600.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._window = window_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: OrderedDict[tuple[tuple[str, str], ...], list[float]] = OrderedDict()

    def __call__(
        self, _logger: Any, method: str, event_dict: MutableMapping[str, Any]
    ) -> MutableMapping[str, Any]:
        """A structlog processor; raises ``DropEvent`` for a repeat inside the window."""
        if method not in COLLAPSED_LEVELS:
            return event_dict
        fields = sorted((k, str(v)) for k, v in event_dict.items() if k not in VOLATILE)
        key = (("level", method), *fields)
        now = self._clock()
        with self._lock:
            entry = self._seen.get(key)  # [first seen, repeats held back]
            if entry is not None and now - entry[0] < self._window:
                entry[1] += 1
                raise structlog.DropEvent
            held = int(entry[1]) if entry is not None else 0
            self._seen[key] = [now, 0]
            self._seen.move_to_end(key)
            while len(self._seen) > MAX_REMEMBERED:
                self._seen.popitem(last=False)
        if held:
            event_dict["repeated"] = f"{held} times in {self._window / 60:g} min"
        return event_dict


def one_line_exception(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """Replace ``exc_info`` with ``raised``: ``Type: message (at file:line in function)``."""
    exc_info = event_dict.pop("exc_info", None)
    if not exc_info:
        return event_dict
    if isinstance(exc_info, BaseException):
        error: BaseException | None = exc_info
    elif isinstance(exc_info, tuple):
        error = exc_info[1]
    else:
        error = sys.exc_info()[1]
    if error is None:
        return event_dict
    text = "".join(traceback.format_exception_only(type(error), error)).strip()
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        last = frames[-1]
        text += f" (at {last.filename.rsplit('/', 2)[-1]}:{last.lineno} in {last.name})"
    # Not "exception": the console renderer would print that on lines of its own.
    event_dict["raised"] = text
    return event_dict
