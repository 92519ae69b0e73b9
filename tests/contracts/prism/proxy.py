"""``prism proxy`` in front of a running fake, and the violations it logs, request by request.

Prism runs without ``--errors``: with it, Prism answers a request that breaks the document with
422 and never forwards it, so one allow-listed spec artefact (the object form of ``sorts``)
would stop the flow it is part of. Without it Prism forwards everything and logs each
violation; the tests fail on every logged violation that the allow-list does not name, which is
as strict, and checks the fake's answers too.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.contracts.prism.specs import merged

START_TIMEOUT_SECONDS = 60.0
#: ``[HTTP SERVER] post /crm/v3/objects/tasks/search (i) info  Request received``
_REQUEST = re.compile(r"\[HTTP SERVER\] (\w+) (\S+) .*Request received")
#: ``[VALIDATOR] ✖  error     Violation: request.body.sorts.0 Request body property ...``
_VIOLATION = re.compile(r"\[VALIDATOR\] \S+\s+(\w+)\s+Violation: (\S+) (.*)$")


@dataclass(frozen=True, slots=True)
class Violation:
    """One problem Prism found with a request or with the fake's answer to it."""

    request: str  # "POST /crm/v3/objects/tasks/search"
    severity: str  # error | warning
    location: str  # request.body.sorts.0, response.body.errors.0, request.query.archived ...
    message: str

    def __str__(self) -> str:
        return f"{self.request}: [{self.severity}] {self.location} {self.message}"


class Prism:
    """A running ``prism proxy``; ``violations()`` reads its log so far."""

    def __init__(self, url: str, log: Path) -> None:
        self.url = url
        self._log = log

    def violations(self) -> list[Violation]:
        found: list[Violation] = []
        request = "(before any request)"
        for line in self._log.read_text(errors="replace").splitlines():
            if started := _REQUEST.search(line):
                request = f"{started[1].upper()} {started[2]}"
            elif seen := _VIOLATION.search(line):
                found.append(Violation(request, seen[1], seen[2], seen[3].strip()))
        return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def prism_proxy(node_modules: Path, upstream: str, workdir: Path) -> Iterator[Prism]:
    """Serve HubSpot's documents on a free loopback port, forwarding to ``upstream``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    spec = workdir / "hubspot.json"
    spec.write_text(json.dumps(merged(node_modules / "@opensdks" / "sdk-hubspot", url)))
    log = workdir / "prism.log"
    command = [
        str(node_modules / ".bin" / "prism"),
        "proxy",
        str(spec),
        upstream,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        _await_port(port, process, log)
        yield Prism(url, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _await_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    # A TCP connect, not an HTTP probe: a probe would be a request Prism logs as unmatched.
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"prism exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"prism did not listen within {START_TIMEOUT_SECONDS} s")
