"""HubSpot calls per 100 answers in steady state, and per idle pass, counted at the sandbox portal.

``python -m bench.steady``: answers arrive at ``--rate`` a second (default 10) and the daemon
runs one pass every ``--interval`` seconds (default 60, ``[daemon] interval_seconds``'s default)
for ``--seconds`` (default 600), in real time; the first pass (owner list, startup checks) is
left out. Then ``--idle`` passes run with nothing new, ``--interval`` apart. Prints calls per 100
answers by endpoint, in total, and calls per idle pass. Extra settings come as ``SYNCD__...``
variables, as for the daemon (the demo's config underneath, with its defaults for tracking and
delivery).
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

from connectors.crm.hubspot.fake import HubSpotFake
from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon, load
from syncd.runtime.demo import start_sandbox
from syncd.sandbox.world import seed

DEMO_CONFIG = Path(__file__).resolve().parent.parent / "syncd" / "sandbox" / "demo.toml"


def main() -> None:
    """Run the stream, then the idle passes; print the counts."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--idle", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="syncd-steady-") as tmp:
        # The demo's config turns the company roll-up on; the defaults leave it off.
        defaults = {"SYNCD__CRM__COMPANY_ROLLUP": "false"}
        env = defaults | {k: v for k, v in os.environ.items() if k.startswith("SYNCD__")}
        settings = load(DEMO_CONFIG, {"SYNCD__DAEMON__DATA_DIR": tmp, **env})
        sandbox, settings = start_sandbox(settings, any_port=True)
        fake = sandbox.crm
        assert isinstance(fake, HubSpotFake)
        fake.set_up()
        try:
            seed(sandbox.source, fake, now=utcnow(), responses=20)
            daemon = build_daemon(settings)
            daemon.run_once()
            answers, start = _stream(sandbox.source, fake, daemon, args)
            steady = _paths(fake.requests[start:])
            mark = len(fake.requests)
            for _ in range(args.idle):
                time.sleep(args.interval)
                daemon.run_once()
            idle = sum(_paths(fake.requests[mark:]).values()) / max(args.idle, 1)
            daemon.close()
        finally:
            sandbox.stop()
    per = 100 / max(answers, 1)
    for path, count in sorted(steady.items()):
        print(f"{path}: {count * per:.2f} per 100 answers")
    print(f"total: {sum(steady.values()) * per:.2f} HubSpot calls per 100 answers ({answers})")
    print(f"idle pass: {idle:.1f} calls")


def _stream(
    source: object, fake: HubSpotFake, daemon: object, args: argparse.Namespace
) -> tuple[int, int]:
    rng = random.Random(5)
    owners = [owner["id"] for owner in fake.owners()]
    start, answers, began = len(fake.requests), 0, time.monotonic()
    passes = int(args.seconds / args.interval)
    per_pass = int(args.rate * args.interval)
    for number in range(passes):
        for index in range(per_pass):
            email = f"steady{number}-{index}@client.example"
            fake.add_contact(email, owner_id=rng.choice(owners))
            source.add_response(  # type: ignore[attr-defined]
                email=email, score=rng.randrange(11), created_at=utcnow() - timedelta(seconds=1)
            )
            answers += 1
        daemon.run_once()  # type: ignore[attr-defined]
        time.sleep(max(0.0, began + (number + 1) * args.interval - time.monotonic()))
    return answers, start


def _paths(requests: list[tuple[str, str]]) -> Counter[str]:
    return Counter(f"{method} {path.rstrip('/')}" for method, path in requests)


if __name__ == "__main__":
    main()
