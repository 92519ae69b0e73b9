"""The benchmark's fakes in their own process: seeded, rate limits lifted, calls counted.

Run as ``python -m bench.fakes --responses N --stats PATH``; prints one JSON line with the two
base URLs once serving, and on SIGTERM writes to ``PATH`` the calls each fake received and when
the CRM fake created its tasks (wall-clock epoch ms of the first, 10%, 50%, 95% and last: read
from each task's creation stamp once, at the end, so serving stays as cheap as without it).
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
import threading
from collections import Counter
from pathlib import Path
from typing import Any

from bench.latency import task_times
from connectors.registry import build_fake
from syncd.clock import utcnow
from syncd.sandbox.http import serve_on_free_port
from syncd.sandbox.world import seed

#: Path segments that are ids, folded so calls are counted per endpoint.
_ID = re.compile(r"/\d+(?=/|$)")


def lift_limits(crm: Any) -> None:
    """Zero-latency, unthrottled CRM: the benchmark measures syncd, not the fake's allowance."""
    crm.lift_limits()


def endpoint_counts(requests: list[tuple[str, str]]) -> dict[str, int]:
    """Calls per ``METHOD /path`` with ids folded to ``{id}``."""
    return dict(Counter(f"{method} {_ID.sub('/{id}', path)}" for method, path in requests))


def main() -> None:
    """Seed, serve, print the URLs, and write the call counts when terminated."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--responses", type=int, required=True)
    parser.add_argument("--stats", type=Path, required=True)
    args = parser.parse_args()
    source = build_fake("source", "delighted", {"api_key": "sandbox-key"})
    crm = build_fake("crm", "hubspot", {"access_token": "sandbox-token"})
    crm.set_up()  # what `syncd crm setup` does on a real portal
    seed(source, crm, now=utcnow(), responses=args.responses)
    lift_limits(crm)
    crm.requests.clear()
    source_server, _ = serve_on_free_port(source, 0)
    crm_server, _ = serve_on_free_port(crm, 0)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    urls = {"source": f"{source_server.base_url}/v1", "crm": crm_server.base_url}
    sys.stdout.write(json.dumps(urls) + "\n")
    sys.stdout.flush()
    done.wait()
    tasks = crm.tasks()
    stats = {
        "crm": endpoint_counts(crm.requests),
        "source": len(source.requests),
        "tasks": len(tasks),
        "task_times": task_times(tasks),
    }
    args.stats.write_text(json.dumps(stats), encoding="utf-8")
    source_server.stop()
    crm_server.stop()


if __name__ == "__main__":
    main()
