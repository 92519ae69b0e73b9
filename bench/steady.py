"""Steady state against the sandbox: HubSpot calls per 100 answers, and how long an answer waits.

``python -m bench.steady``: answers arrive evenly at ``--rate`` a second (default 10) for
``--seconds`` (default 600), in real time, while the daemon runs as ``syncd run`` does, a pass every
``--interval`` seconds (default 60, ``[daemon] interval_seconds``'s default); the
first pass (owner list, startup checks) is left out. Once every answer has its task, the daemon
stops and ``--idle`` passes (default 4) run with nothing new, ``--interval`` apart.

Options:

- ``--quick``: ``--seconds 120 --interval 5 --idle 2``, the sandbox's own interval (2-3 min).
- ``--pushed SHARE`` (default 0): that share of the answers is POSTed, signed, to the daemon's
  webhook endpoint (``/webhooks/delighted`` on its HTTP port) instead of appearing at the
  survey API; 1 pushes every answer.
- ``--completed SHARE`` (default 0): that share of the tasks is completed in the CRM fake about
  a second after it appears (a user closing the loop), and the time until syncd's store holds
  the loop as closed is measured (``[tracking] interval_seconds``, default 120, paces it).

Prints calls per 100 answers by endpoint, in total, and calls per idle pass (completions add the
tracking and loop-closed writes they cause); then latency percentiles (nearest rank: p50, p95,
max) in wall-clock seconds: answer created at the survey API (or posted to the webhook) → task
created at the CRM fake, and task completed → loop closed in the store. Extra settings come as
``SYNCD__...`` variables, as for the daemon (the demo's config underneath, with its defaults for
tracking and delivery; ``SYNCD__DAEMON__LOG_LEVEL=info`` shows each pass).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import random
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench.latency import Spread, created_ms
from connectors.crm.hubspot.fake import HubSpotFake
from syncd.clock import utcnow
from syncd.runtime.compose import build_daemon, load, serving
from syncd.runtime.daemon import Daemon
from syncd.runtime.demo import start_sandbox
from syncd.runtime.logging import configure_logging
from syncd.sandbox.world import seed
from syncd.settings import Settings
from syncd.store.engine import open_engine
from syncd.store.schema import loops

DEMO_CONFIG = Path(__file__).resolve().parent.parent / "syncd" / "sandbox" / "demo.toml"
#: The source's name in the demo config: its webhook path and the first part of every task key.
SOURCE = "delighted"
#: The sandbox's Delighted API key, which also signs its webhook deliveries.
API_KEY = "sandbox-key"
#: Pushed answers get ids far above the survey API's own, so the two never meet.
PUSHED_IDS = 10_000_000
#: How often the bench looks at the store for closed loops (the resolution of that figure).
WATCH_SECONDS = 0.25


@dataclass(frozen=True, slots=True)
class Options:
    """What to run: see the module docstring."""

    rate: float = 10.0
    interval: float = 60.0
    seconds: float = 600.0
    idle: int = 4
    pushed: float = 0.0
    completed: float = 0.0


@dataclass(slots=True)
class Answer:
    """One answer of the stream: how it arrived, when (wall ms), and what became of it."""

    contact_id: str
    pushed: bool
    arrived_ms: float
    task_id: str | None = None
    task_ms: float | None = None
    complete: bool = False
    completed_ms: float | None = None
    closed_ms: float | None = None


@dataclass(slots=True)
class Outcome:
    """A run's figures: calls in the stream and per idle pass, and every answer's times."""

    steady: Counter[str]
    idle: float
    answers: list[Answer] = field(default_factory=list)
    #: Delighted list requests during the stream.
    source_calls: int = 0

    def polled(self) -> Spread | None:
        """Answer created at the survey API → its task created."""
        return _spread([a for a in self.answers if not a.pushed], "arrived_ms", "task_ms")

    def pushed(self) -> Spread | None:
        """Answer posted to the webhook endpoint → its task created."""
        return _spread([a for a in self.answers if a.pushed], "arrived_ms", "task_ms")

    def closed(self) -> Spread | None:
        """Task completed at the CRM → loop closed in syncd's store."""
        return _spread([a for a in self.answers if a.complete], "completed_ms", "closed_ms")

    def lines(self) -> list[str]:
        """What ``main`` prints."""
        per = 100 / max(len(self.answers), 1)
        out = [
            f"{path}: {count * per:.2f} per 100 answers"
            for path, count in sorted(self.steady.items())
        ]
        total = sum(self.steady.values()) * per
        out.append(f"total: {total:.2f} HubSpot calls per 100 answers ({len(self.answers)})")
        out.append(f"Delighted list requests: {self.source_calls * per:.2f} per 100 answers")
        out.append(f"idle pass: {self.idle:.1f} calls")
        out.append("latency percentiles (wall clock):")
        for what, spread in (
            ("  answer at the survey API -> task (polling)", self.polled()),
            ("  answer posted to the webhook -> task", self.pushed()),
            ("  task completed -> loop closed in the store", self.closed()),
        ):
            if spread is not None:
                out.append(spread.line(what))
        missing = sum(1 for a in self.answers if a.task_ms is None)
        open_loops = sum(1 for a in self.answers if a.completed_ms and a.closed_ms is None)
        if missing or open_loops:
            out.append(f"  not seen in the wait: {missing} tasks, {open_loops} closed loops")
        return out


def _spread(answers: list[Answer], start: str, end: str) -> Spread | None:
    seconds = []
    for answer in answers:
        began, ended = getattr(answer, start), getattr(answer, end)
        if began is not None and ended is not None:
            seconds.append((ended - began) / 1000)
    return Spread.of(seconds)


def main() -> None:
    """Run the stream, then the idle passes; print the counts and the latencies."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--interval", type=float, default=60.0)
    parser.add_argument("--seconds", type=float, default=600.0)
    parser.add_argument("--idle", type=int, default=4)
    parser.add_argument("--pushed", type=float, default=0.0)
    parser.add_argument("--completed", type=float, default=0.0)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.interval, args.idle = 120.0, 5.0, 2
    options = Options(
        args.rate, args.interval, args.seconds, args.idle, args.pushed, args.completed
    )
    print("\n".join(run(options).lines()))


def run(options: Options, env: dict[str, str] | None = None, *, logs: bool = True) -> Outcome:
    """Run the stream and the idle passes as ``options`` say; ``env`` adds ``SYNCD__`` settings.

    ``logs`` configures the process's logging from the settings, as the command line wants; a
    caller that owns the process's logging (a test run) passes False.
    """
    with tempfile.TemporaryDirectory(prefix="syncd-steady-") as tmp:
        # The demo's config turns the company roll-up on; the defaults leave it off.
        defaults = {
            "SYNCD__CRM__COMPANY_ROLLUP": "false",
            "SYNCD__DAEMON__INTERVAL_SECONDS": str(options.interval),
            "SYNCD__HTTP__HOST": "127.0.0.1",
            "SYNCD__HTTP__PORT": "0",
        }
        given = env if env is not None else os.environ
        overrides = {k: v for k, v in given.items() if k.startswith("SYNCD__")}
        settings = load(DEMO_CONFIG, {"SYNCD__DAEMON__DATA_DIR": tmp, **defaults, **overrides})
        if logs:
            configure_logging(settings.daemon)
        sandbox, settings = start_sandbox(settings, any_port=True)
        fake = sandbox.crm
        assert isinstance(fake, HubSpotFake)
        fake.set_up()
        try:
            seed(sandbox.source, fake, now=utcnow(), responses=20)
            daemon = build_daemon(settings)
            try:
                daemon.run_once()
                return _measure(settings, daemon, sandbox.source, fake, options)
            finally:
                daemon.close()
        finally:
            sandbox.stop()


def _measure(
    settings: Settings, daemon: Daemon, source: Any, fake: HubSpotFake, options: Options
) -> Outcome:
    start, source_start = len(fake.requests), len(source.requests)
    stop = threading.Event()
    with ExitStack() as stack:
        server = stack.enter_context(serving(settings, daemon))
        url = None if server is None else f"http://127.0.0.1:{server.port}/webhooks/{SOURCE}"
        if options.pushed and url is None:
            raise SystemExit("--pushed needs the daemon's HTTP port ([http] enabled)")
        runner = threading.Thread(target=daemon.run_forever, args=(stop,), name="daemon")
        runner.start()
        watcher = _Watcher(settings)
        try:
            answers = _Stream(source, fake, url, options, watcher).run()
            # The answers of the last seconds wait for a pass or two; completions for tracking.
            waited = 3 * options.interval + 60
            _wait(lambda: _collect(fake, answers), waited)
            _wait(watcher.done, waited + settings.tracking.interval_seconds)
        finally:
            stop.set()
            runner.join()
            watcher.close()
    steady = _paths(fake.requests[start:])
    source_calls = len(source.requests) - source_start
    mark = len(fake.requests)
    for _ in range(options.idle):
        time.sleep(options.interval)
        daemon.run_once()
    idle = sum(_paths(fake.requests[mark:]).values()) / max(options.idle, 1)
    return Outcome(steady, idle, answers, source_calls)


class _Stream:
    """Answers at a steady rate, each from a new contact; some pushed, some tasks completed."""

    def __init__(
        self, source: Any, fake: HubSpotFake, url: str | None, options: Options, watcher: _Watcher
    ) -> None:
        self.source, self.fake, self.url, self.options = source, fake, url, options
        self.watcher = watcher
        self.rng = random.Random(5)
        self.owners = [owner["id"] for owner in fake.owners()]
        self.to_complete: list[Answer] = []

    def run(self) -> list[Answer]:
        answers: list[Answer] = []
        total = int(self.options.rate * self.options.seconds)
        began = time.monotonic()
        for number in range(total):
            answers.append(self._arrive(number))
            if number % max(int(self.options.rate), 1) == 0:
                self._complete_due()
            time.sleep(max(0.0, began + (number + 1) / self.options.rate - time.monotonic()))
        while self.to_complete and time.monotonic() < began + self.options.seconds + 3 * (
            self.options.interval + 20
        ):
            self._complete_due()
            time.sleep(1)
        return answers

    def _arrive(self, number: int) -> Answer:
        email = f"steady{number}@client.example"
        contact_id = self.fake.add_contact(email, owner_id=self.rng.choice(self.owners))
        score = self.rng.randrange(11)
        pushed = self.rng.random() < self.options.pushed
        answer = Answer(contact_id, pushed, time.time() * 1000)
        if pushed:
            assert self.url is not None
            _push(self.url, PUSHED_IDS + number, email, score)
        else:
            self.source.add_response(
                email=email, score=score, created_at=utcnow() - timedelta(seconds=1)
            )
        if self.rng.random() < self.options.completed:
            answer.complete = True
            self.to_complete.append(answer)
        return answer

    def _complete_due(self) -> None:
        """Complete each chosen task once it exists, as its owner would."""
        waiting = []
        for answer in self.to_complete:
            tasks = self.fake.tasks_for_contact(answer.contact_id)
            if not tasks:
                waiting.append(answer)
                continue
            answer.task_id = str(tasks[0]["id"])
            self.fake.complete_task(answer.task_id)
            answer.completed_ms = time.time() * 1000
            self.watcher.watch(answer)
        self.to_complete = waiting


def _push(url: str, response_id: int, email: str, score: int) -> None:
    """POST one signed ``survey_response.created`` delivery, as Delighted does."""
    now = int(time.time())
    data = {
        "id": str(response_id),
        "person": {"id": str(response_id), "email": email, "name": None},
        "survey_type": "nps",
        "score": score,
        "comment": None,
        "permalink": f"https://app.delighted.com/r/pushed{response_id}",
        "created_at": now,
        "updated_at": None,
        "person_properties": {},
        "notes": [],
        "tags": [],
        "additional_answers": [],
    }
    event = {"event_type": "survey_response.created", "event_id": f"e{response_id}"}
    body = json.dumps({**event, "event_data": data}).encode()
    signature = hmac.new(API_KEY.encode(), body, hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "X-Delighted-Webhook-Signature": f"sha256={signature}",
        },
    )
    with urllib.request.urlopen(request, timeout=30) as reply:
        reply.read()


class _Watcher:
    """Notes, every ``WATCH_SECONDS``, when the store first holds a completed task's loop closed."""

    def __init__(self, settings: Settings) -> None:
        # The store's own engine: SQLite's busy timeout, PostgreSQL's driver, as the daemon's.
        self._engine = open_engine(settings.daemon.resolved_database_url())
        self._lock = threading.Lock()
        self._watched: dict[str, Answer] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="watcher", daemon=True)
        self._thread.start()

    def watch(self, answer: Answer) -> None:
        assert answer.task_id is not None
        with self._lock:
            self._watched[answer.task_id] = answer

    def done(self) -> bool:
        with self._lock:
            return not self._watched

    def _loop(self) -> None:
        while not self._stop.wait(WATCH_SECONDS):
            with self._lock:
                ids = list(self._watched)
            if not ids:
                continue
            query = select(loops.c.task_id).where(
                loops.c.task_id.in_(ids), loops.c.closed_ms.is_not(None)
            )
            with self._engine.connect() as conn:
                closed = [str(row.task_id) for row in conn.execute(query)]
            seen = time.time() * 1000
            with self._lock:
                for task_id in closed:
                    self._watched.pop(task_id).closed_ms = seen

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self._engine.dispose()


def _collect(fake: HubSpotFake, answers: list[Answer]) -> bool:
    """Note each answer's task creation time (the fake's stamp); True once all have one."""
    for answer in answers:
        if answer.task_ms is None:
            tasks = fake.tasks_for_contact(answer.contact_id)
            if tasks:
                answer.task_ms = min(created_ms(task) for task in tasks)
    return all(answer.task_ms is not None for answer in answers)


def _wait(ready: Any, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not ready() and time.monotonic() < deadline:
        time.sleep(1)


def _paths(requests: list[tuple[str, str]]) -> Counter[str]:
    return Counter(f"{method} {path.rstrip('/')}" for method, path in requests)


if __name__ == "__main__":
    main()
