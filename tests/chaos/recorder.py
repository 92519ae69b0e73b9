"""Wraps the CRM fake's HTTP app: records every answer and can kill a daemon mid-write."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from syncd.sandbox.http import Request, Response

Handler = Callable[[Request], Response]


@dataclass(frozen=True, slots=True)
class Answer:
    """One request the CRM fake answered: when, what, and with which status."""

    at: float
    method: str
    path: str
    status: int


class Recorder:
    """Serve ``app``, keep every answer, and SIGKILL an armed pid after a write is processed.

    Killing from inside the request, after the fake did the work and before the answer leaves,
    lands the crash exactly in the outcome-unknown window a real crash can hit.
    """

    def __init__(self, app: Handler) -> None:
        self._app = app
        self._lock = threading.Lock()
        self.answers: list[Answer] = []
        # (pid, kill at or after this many writes, in a write whose path holds this)
        self._armed: tuple[int, int, str] | None = None
        self.kills_mid_write = 0
        self.writes = 0  # successful requests on ``write_paths``

    #: The writes whose outcome a crash can leave unknown: task creates and contact updates.
    write_paths: tuple[str, ...] = ("/tasks/batch/create", "/contacts/batch/update")

    def __call__(self, request: Request) -> Response:
        response = self._app(request)
        with self._lock:
            self.answers.append(
                Answer(time.monotonic(), request.method, request.path, response.status)
            )
            if response.status >= 300 or not any(p in request.path for p in self.write_paths):
                return response
            self.writes += 1
            armed = self._armed
            if armed is not None and self.writes >= armed[1] and armed[2] in request.path:
                self._armed = None
                self.kills_mid_write += 1
                os.kill(armed[0], signal.SIGKILL)
        return response

    def arm_kill(self, pid: int, writes: int, path_contains: str) -> None:
        """SIGKILL ``pid`` inside the first successful write on ``path_contains`` once ``writes``
        writes were done."""
        with self._lock:
            self._armed = (pid, writes, path_contains)

    def disarm(self) -> bool:
        """Cancel an armed kill; True when it had not fired."""
        with self._lock:
            pending = self._armed is not None
            self._armed = None
            return pending

    def between(self, start: float, end: float) -> list[Answer]:
        with self._lock:
            return [answer for answer in self.answers if start <= answer.at <= end]
