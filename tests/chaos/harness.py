"""One chaos run: the fakes on free ports, a seeded world, and syncd replicas as subprocesses."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, func, or_, select

from connectors.crm.hubspot.fake import HubSpotFake
from connectors.sources.delighted.fake import DelightedFake
from syncd.clock import utcnow
from syncd.sandbox.http import LoopbackServer
from syncd.sandbox.world import World, seed
from syncd.store.engine import open_engine
from syncd.store.outbox import Status
from syncd.store.schema import inbox, outbox
from tests.chaos.outcome import Outcome, measure
from tests.chaos.recorder import Recorder

TOKEN = "sandbox-token"
KEY = "sandbox-key"


@dataclass(frozen=True, slots=True)
class RunSpec:
    """The shape of one run: world size, store, and the daemon's timing and limits."""

    answers: int
    workdir: Path
    database_url: str | None = None  # None: a SQLite file in the workdir
    batch_size: int = 50
    lease_seconds: float = 2.0
    crm_timeout_seconds: float = 5.0
    fake_ten_second_limit: int = 100_000  # lifted unless a scenario is about the limit
    client_ten_second_limit: int = 100_000
    seed_value: int = 7


@dataclass
class Run:
    """The live fakes, the seeded world and the daemons of one chaos run."""

    spec: RunSpec
    crm: HubSpotFake
    source: DelightedFake
    recorder: Recorder
    world: World
    crm_url: str
    source_url: str
    started: float = field(default_factory=time.monotonic)
    daemons: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    #: Replicas the scenario killed on purpose; any other that exits fails the run.
    killed: set[str] = field(default_factory=set)
    finished: bool = True  # False once a wait for the drain ran out of time

    def store_url(self) -> str:
        return self.spec.database_url or f"sqlite:///{self.spec.workdir / 'data' / 'syncd.db'}"

    def config(self, instance: str) -> Path:
        """The TOML config of replica ``instance`` (its own ``instance_id``, the shared store)."""
        path = self.spec.workdir / f"{instance}.toml"
        database = f'database_url = "{self.store_url()}"'
        path.write_text(
            f"""
[daemon]
data_dir = "{self.spec.workdir / "data"}"
{database}
instance_id = "{instance}"
interval_seconds = 0.5
lease_seconds = {self.spec.lease_seconds}
log_format = "json"
log_level = "warning"
[sources.delighted]
kind = "delighted"
base_url = "{self.source_url}/v1"
api_key = "{KEY}"
lag_seconds = 0
initial_lookback_days = 14
[crm]
kind = "hubspot"
name = "hubspot"
base_url = "{self.crm_url}"
access_token = "{TOKEN}"
match_contacts_by = ["email", "external_id:customer_id"]
timeout_seconds = {self.spec.crm_timeout_seconds}
ten_second_limit = {self.spec.client_ten_second_limit}
[delivery]
batch_size = {self.spec.batch_size}
lease_seconds = {self.spec.lease_seconds}
backoff_base_seconds = 0.1
[routing]
fallback_owner = "sam@acme.example"
# Replicas share the machine: each gets a port of its own (the default 8080 would let the
# first replica up keep it and the others exit).
[http]
host = "127.0.0.1"
port = 0
""",
            encoding="utf-8",
        )
        return path

    def start(self, instance: str) -> subprocess.Popen[bytes]:
        """Start replica ``instance`` (``syncd run``); its stderr goes to ``<instance>.log``."""
        log = (self.spec.workdir / f"{instance}.log").open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "syncd.cli", "run", "--config", str(self.config(instance))],
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        log.close()  # the child holds its own descriptor
        self.daemons[instance] = proc
        self.killed.discard(instance)
        return proc

    def check_alive(self) -> None:
        """Raise when a replica the scenario did not kill has exited: a run that goes on with
        fewer replicas than it says proves less than it claims."""
        for instance, proc in self.daemons.items():
            code = proc.poll()
            if code is not None and instance not in self.killed:
                log = (self.spec.workdir / f"{instance}.log").read_text(errors="replace")
                raise RuntimeError(f"{instance} exited with {code}: {log[-500:]}")

    def kill(self, instance: str) -> None:
        self.killed.add(instance)
        proc = self.daemons[instance]
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        """SIGTERM every live replica and wait; SIGKILL any that does not stop."""
        for proc in self.daemons.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.daemons.values():
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def outcome(self, name: str) -> Outcome:
        """The counts now; a run cut short by its drain deadline says so in its notes."""
        outcome = measure(name, self.crm, self.source, self.world, time.monotonic() - self.started)
        return outcome if self.finished else outcome.with_notes("drain deadline reached")

    def drained(self, engine: Engine) -> bool:
        """Polled, planned and delivered: inbox rows all planned, no open outbox row."""
        with engine.connect() as conn:
            has_inbox = conn.execute(select(func.count()).select_from(inbox)).scalar_one()
            behind = or_(
                inbox.c.planned_version.is_(None), inbox.c.planned_version < inbox.c.version
            )
            unplanned = conn.execute(
                select(func.count()).select_from(inbox).where(behind)
            ).scalar_one()
            open_rows = conn.execute(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.status.in_([Status.PENDING.value, Status.IN_FLIGHT.value]))
            ).scalar_one()
        return bool(has_inbox) and not unplanned and not open_rows

    def wait_drained(self, timeout: float, settle: float = 1.0) -> bool:
        """Wait until the store is drained and every expected contact is written, or timeout.

        ``settle`` more seconds let late writes (slow commits) land before anything is counted.
        """
        engine = open_engine(self.store_url())
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                self.check_alive()
                try:
                    done = self.drained(engine) and self.outcome("").complete()
                except Exception:  # the store is not migrated yet, or locked by a writer
                    done = False
                if done:
                    time.sleep(settle)
                    return True
                time.sleep(0.3)
            self.finished = False
            return False
        finally:
            engine.dispose()


@contextmanager
def chaos_run(spec: RunSpec) -> Iterator[Run]:
    """Serve the fakes, seed ``spec.answers`` answers; stop daemons and servers on exit."""
    spec.workdir.mkdir(parents=True, exist_ok=True)
    crm = HubSpotFake(TOKEN, ten_second_limit=spec.fake_ten_second_limit)
    source = DelightedFake(KEY)
    recorder = Recorder(crm)
    crm.set_up()  # what `syncd crm setup` does on a real portal
    world = seed(source, crm, now=utcnow(), responses=spec.answers, seed_value=spec.seed_value)
    with ExitStack() as stack:
        crm_server = stack.enter_context(LoopbackServer(recorder))
        source_server = stack.enter_context(LoopbackServer(source))
        run = Run(spec, crm, source, recorder, world, crm_server.base_url, source_server.base_url)
        try:
            yield run
        finally:
            run.stop_all()
