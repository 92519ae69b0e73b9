"""The chaos scenarios; each ends with an ``Outcome`` counted in the CRM fake."""

from __future__ import annotations

import random
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from connectors.crm.hubspot.fake.chaos import ChaosMode
from syncd.sandbox.world import COMMENTS
from tests.chaos import pg
from tests.chaos.harness import Run, RunSpec, chaos_run
from tests.chaos.outcome import Outcome
from tests.chaos.ratelimit import share_of_allowance


@dataclass(frozen=True, slots=True)
class Sizes:
    """How big each scenario is: the full set, or the small one CI runs."""

    answers: int = 5000
    kills: int = 20
    replicas: int = 3
    fault_share: float = 0.2
    comment_share: float = 0.2
    #: Smaller batches mean more calls, so that a small run still meets every fault kind.
    fault_batch_size: int = 50
    #: Low enough that the portal's limit, not syncd, bounds the calls.
    limit_per_ten_seconds: int = 50
    limit_answers: int = 1000
    drain_timeout: float = 1800.0


SMALL = Sizes(
    answers=200,
    kills=3,
    fault_share=0.2,
    fault_batch_size=10,
    limit_per_ten_seconds=20,
    limit_answers=60,
    drain_timeout=90.0,
)


@contextmanager
def _store(workdir: Path, database: str) -> Iterator[str | None]:
    """None (a SQLite file in the workdir) or a fresh PostgreSQL database, dropped afterwards."""
    if database == "sqlite":
        yield None
    else:
        with pg.fresh_database() as url:
            yield url


def _tasks(run: Run) -> int:
    return len(run.crm.tasks())


def _wait_for(run: Run, tasks: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _tasks(run) < tasks:
        run.check_alive()
        time.sleep(0.2)


def _kill_once(run: Run, rng: random.Random, index: int, point: int) -> str:
    """Kill replica-1 at write ``point``: inside that write (after the fake did the work, before
    the answer leaves) or at a random moment just after it."""
    proc = run.daemons["replica-1"]
    if index % 2 == 0:
        # Alternately inside a task create and inside a contact update.
        path = run.recorder.write_paths[index // 2 % 2]
        run.recorder.arm_kill(proc.pid, point, path)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:  # no write came: the run is past its writes
            run.recorder.disarm()
        run.kill("replica-1")
        return "mid-write"
    deadline = time.monotonic() + 120
    while run.recorder.writes < point and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(rng.uniform(0.0, 1.0))
    run.kill("replica-1")
    return "random"


def sigkill(workdir: Path, sizes: Sizes, database: str, *, as_creates: bool = False) -> Outcome:
    """SIGKILL one daemon at ``sizes.kills`` random points of the run, restarting it each time.

    The points are drawn among the writes the run needs at least (a task create and a contact
    update per batch), so every one of them is reached.
    """
    rng = random.Random(11)
    with _store(workdir, database) as url:
        spec = RunSpec(sizes.answers, workdir, url, lease_seconds=1.0)
        with chaos_run(spec) as run:
            run.crm.treat_upserts_as_creates(as_creates)
            writes = 2 * (run.outcome("").answers // spec.batch_size)
            points = sorted(rng.randrange(1, writes) for _ in range(sizes.kills))
            kinds: list[str] = []
            for index, point in enumerate(points):
                run.start("replica-1")
                kinds.append(_kill_once(run, rng, index, point))
            run.start("replica-1")
            run.wait_drained(sizes.drain_timeout)
            mid = kinds.count("mid-write")
            return run.outcome(f"sigkill x{sizes.kills} ({database})").with_notes(
                f"{run.recorder.kills_mid_write} of {mid} mid-write kills landed inside a write"
            )


def crm_faults(workdir: Path, sizes: Sizes, *, as_creates: bool = False) -> Outcome:
    """``fault_share`` of CRM calls fail, each in one of the ways the fake knows."""
    timeout = 1.0
    hang = timeout + 1.0
    spec = RunSpec(
        sizes.answers, workdir, batch_size=sizes.fault_batch_size, crm_timeout_seconds=timeout
    )
    with chaos_run(spec) as run:
        run.crm.treat_upserts_as_creates(as_creates)
        mode = ChaosMode(sizes.fault_share, hang_seconds=hang, retry_after=0.5, seed=3)
        run.crm.chaos(mode)
        run.start("replica-1")
        run.wait_drained(sizes.drain_timeout, settle=hang + 1.0)
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(mode.counts.items()))
        return run.outcome(f"{sizes.fault_share:.0%} CRM faults").with_notes(kinds)


def replicas_one_killed(workdir: Path, sizes: Sizes) -> Outcome:
    """``sizes.replicas`` replicas on one PostgreSQL store; one is SIGKILLed a third of the way."""
    with pg.fresh_database() as url, chaos_run(RunSpec(sizes.answers, workdir, url)) as run:
        expected = run.outcome("").answers
        for number in range(1, sizes.replicas + 1):
            run.start(f"replica-{number}")
        _wait_for(run, expected // 3, sizes.drain_timeout)
        run.kill("replica-2")
        run.wait_drained(sizes.drain_timeout)
        return run.outcome(f"{sizes.replicas} replicas, one killed (postgres)")


def shared_limit(workdir: Path, sizes: Sizes, replicas: int) -> Outcome:
    """``replicas`` replicas, each configured with the whole allowance of one portal."""
    spec = RunSpec(
        sizes.limit_answers,
        workdir,
        batch_size=10,
        fake_ten_second_limit=sizes.limit_per_ten_seconds,
        # What an operator configures by default: 80% of the portal's allowance, per replica.
        client_ten_second_limit=sizes.limit_per_ten_seconds * 4 // 5,
    )
    database = "sqlite" if replicas == 1 else "postgres"
    with _store(workdir, database) as url, chaos_run(replace(spec, database_url=url)) as run:
        for number in range(1, replicas + 1):
            run.start(f"replica-{number}")
        run.wait_drained(sizes.drain_timeout)
        share = share_of_allowance(run.recorder.answers, sizes.limit_per_ten_seconds)
        return run.outcome(f"shared limit, {replicas} replica(s) ({database})").with_notes(
            f"429s {share.rejected:.0%} of {share.requests} calls; "
            f"{share.achieved:.0%} of the allowance used"
        )


def late_comments(workdir: Path, sizes: Sizes) -> Outcome:
    """Comments arrive on ``comment_share`` of the answers after their task was delivered."""
    rng = random.Random(5)
    with chaos_run(RunSpec(sizes.answers, workdir)) as run:
        run.start("replica-1")
        run.wait_drained(sizes.drain_timeout)
        delivered = sorted(
            rid
            for rid, email in run.world.responses.items()
            if email in run.world.contacts and rid not in run.world.malformed
        )
        chosen = rng.sample(delivered, int(len(delivered) * sizes.comment_share))
        comments = sum(COMMENTS.values(), ())
        for rid in chosen:
            run.source.update_response(rid, comment=f"Later: {rng.choice(comments)} ({rid})")
        run.wait_drained(sizes.drain_timeout)
        return run.outcome(f"late comments on {sizes.comment_share:.0%}").with_notes(
            f"{len(chosen)} comments after delivery"
        )
