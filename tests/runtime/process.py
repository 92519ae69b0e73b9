"""A ``syncd`` subprocess whose stderr lines can be awaited."""

from __future__ import annotations

import os
import queue
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path


class Syncd:
    """``python -m syncd.cli <args>`` with its stderr collected line by line."""

    def __init__(
        self, *args: str, env: dict[str, str] | None = None, prefix: tuple[str, ...] = ()
    ) -> None:
        self.proc = subprocess.Popen(
            [*prefix, sys.executable, "-m", "syncd.cli", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, needle: str, timeout: float = 60) -> bool:
        """True once a stderr line contains ``needle``; False at exit or after ``timeout``."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                line = self._queue.get(timeout=left)
            except queue.Empty:
                return False
            if line is None:
                return False
            self.lines.append(line)
            if needle in line:
                return True
        return False

    def finish(self, timeout: float = 60) -> int:
        """Wait for exit (killing it after ``timeout``); the exit code, stderr fully read."""
        try:
            code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            code = -9
        self._reader.join(timeout=10)
        if self.proc.stderr is not None:
            self.proc.stderr.close()
        while not self._queue.empty():
            line = self._queue.get()
            if line is not None:
                self.lines.append(line)
        return code


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def minimal_config(path: Path, *, daemon: str = "") -> Path:
    """A valid config whose source and CRM are not reachable (ports nobody listens on)."""
    dead = f"http://127.0.0.1:{closed_port()}"
    path.write_text(
        f"""
[daemon]
data_dir = "{path.parent / "data"}"
log_format = "json"
interval_seconds = 60
{daemon}
[sources.delighted]
kind = "delighted"
base_url = "{dead}/v1"
api_key = "test-key"
[crm]
kind = "hubspot"
base_url = "{dead}"
access_token = "test-token"
""",
        encoding="utf-8",
    )
    return path
