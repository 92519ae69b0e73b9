"""Starting syncd imports only what it uses: every command pays for each module at startup.

(And the daemon's start-up objects end frozen, out of the cyclic collector's way.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from alembic import command

from syncd.clock import utcnow
from syncd.sandbox.world import seed
from syncd.settings import Settings
from syncd.store.engine import alembic_config, open_engine
from tests.e2e.helpers import sandbox_settings, write_config

pytestmark = pytest.mark.slow

#: Runs ``syncd <args>`` in this process, then writes the modules it imported and the frozen count.
_IMPORTS_OF = """
import atexit, gc, json, sys
out, sys.argv = sys.argv[1], ["syncd", *sys.argv[2:]]
seen = lambda: {"modules": sorted(sys.modules), "frozen": gc.get_freeze_count()}
atexit.register(lambda: open(out, "w").write(json.dumps(seen())))
from syncd.cli import main
main()
"""

#: Heavy modules a daemon starting on an up-to-date store never needs.
LAZY = [
    "alembic",  # only a store behind the newest migration needs it
    "mako",  # Alembic's templates, for writing new migrations
    "sqlalchemy.orm",  # the store is SQLAlchemy Core; the ORM costs about 0.1 s
    # HubSpot's generated models, a megabyte each, for what this config never does: notes on
    # the contact timeline (history_notes) and reading companies (account-owner routing).
    "hubspot.crm.objects.notes",
    "hubspot.crm.companies",
    # ... and associating records by themselves: new tasks are created with their contact.
    "hubspot.crm.associations",
]
#: ... nor ``run --once``, which opens no port: the HTTP server, probes and webhook intake.
LAZY_FOR_ONE_PASS = [
    "waitress",
    "syncd.http.server",
    "syncd.runtime.http_port",
    "syncd.observability.probes",
    "syncd.intake.routes",
    "syncd.intake.webhook",
]
#: ... nor one starting on a new store, created at the newest revision in one step.
LAZY_FOR_NEW_STORE = ["alembic", "mako", "sqlalchemy.orm"]
#: ... nor ``syncd report``, which reads the store only.
LAZY_FOR_REPORT = ["alembic", "sqlalchemy.orm", "structlog", "httpx", "hubspot"]
#: ... nor ``syncd config validate``, which loads the settings only: no connector, no client.
LAZY_FOR_VALIDATE = [
    "syncd.runtime.compose",
    "alembic",
    "sqlalchemy.orm",
    "prometheus_client",
    "connectors.crm.hubspot.crm",
    "connectors.sources.delighted.source",
    "hubspot",
    "httpx",
    "structlog",
]
#: ... nor ``syncd check``, which builds the connectors but no daemon.
LAZY_FOR_CHECK = ["syncd.runtime.compose", "alembic", "sqlalchemy.orm", "prometheus_client"]


@dataclass(frozen=True)
class Seen:
    """What one command left behind."""

    modules: set[str]  # imported
    frozen: int  # objects out of the cyclic collector's sight


def _seen(tmp_path: Path, *args: str) -> Seen:
    out = tmp_path / "seen.json"
    command = [sys.executable, "-c", _IMPORTS_OF, str(out), *args]
    done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    seen = json.loads(out.read_text(encoding="utf-8"))
    return Seen(set(seen["modules"]), seen["frozen"])


@dataclass(frozen=True)
class Startups:
    """The modules each command imported."""

    first_run: Seen  # ``syncd run --once`` on a new store
    run: Seen  # ``syncd run --once`` again, on the store it created
    behind: Seen  # ``syncd run --once`` on a store behind the newest migration
    report: Seen  # ``syncd report`` on that store
    validate: Seen  # ``syncd config validate``
    check: Seen  # ``syncd check``


@pytest.fixture(scope="module")
def startups(tmp_path_factory: pytest.TempPathFactory) -> Startups:
    """Each command run once, against the sandbox."""
    tmp_path = tmp_path_factory.mktemp("startup")
    with sandbox_settings(tmp_path / "data") as (sandbox, settings):
        seed(sandbox.source, sandbox.crm, now=utcnow(), responses=5)  # owners, contacts, answers
        config = str(write_config(settings, tmp_path / "syncd.toml"))
        first = _seen(tmp_path, "run", "--once", "--config", config)
        again = _seen(tmp_path, "run", "--once", "--config", config)
        behind = _seen(tmp_path, "run", "--once", "--config", _behind_head(settings, tmp_path))
        report = _seen(tmp_path, "report", "--config", config)
        validate = _seen(tmp_path, "config", "validate", "--config", config)
        check = _seen(tmp_path, "check", "--config", config)
    return Startups(first, again, behind, report, validate, check)


def _behind_head(settings: Settings, tmp_path: Path) -> str:
    """A config whose store is one migration behind the newest."""
    daemon = settings.daemon.model_copy(update={"data_dir": tmp_path / "behind"})
    behind = settings.model_copy(update={"daemon": daemon})
    engine = open_engine(behind.daemon.resolved_database_url())
    with engine.begin() as conn:
        config = alembic_config()
        config.attributes["connection"] = conn
        command.upgrade(config, "head-1")
    engine.dispose()
    return str(write_config(behind, tmp_path / "behind.toml"))


def test_a_store_behind_head_is_migrated_with_alembic(startups: Startups) -> None:
    assert "alembic" in startups.behind.modules  # the checks below can see an import


@pytest.mark.parametrize("module", LAZY_FOR_NEW_STORE)
def test_starting_on_a_new_store_leaves_the_migrations_unimported(
    startups: Startups, module: str
) -> None:
    assert module not in startups.first_run.modules


@pytest.mark.parametrize("module", LAZY)
def test_starting_on_an_up_to_date_store_leaves_heavy_modules_unimported(
    startups: Startups, module: str
) -> None:
    assert module not in startups.run.modules


@pytest.mark.parametrize("module", LAZY_FOR_ONE_PASS)
def test_one_pass_leaves_the_port_s_modules_unimported(startups: Startups, module: str) -> None:
    assert module not in startups.first_run.modules
    assert module not in startups.run.modules


@pytest.mark.parametrize("module", LAZY_FOR_REPORT)
def test_the_report_leaves_the_daemon_s_modules_unimported(startups: Startups, module: str) -> None:
    assert module not in startups.report.modules


@pytest.mark.parametrize("module", LAZY_FOR_VALIDATE)
def test_validating_the_config_leaves_the_daemon_s_modules_unimported(
    startups: Startups, module: str
) -> None:
    assert module not in startups.validate.modules


@pytest.mark.parametrize("module", LAZY_FOR_CHECK)
def test_checking_leaves_the_daemon_s_modules_unimported(startups: Startups, module: str) -> None:
    assert module not in startups.check.modules


def test_the_daemon_s_start_up_objects_end_frozen(startups: Startups) -> None:
    # Modules, classes, schemas and connectors: well over 100,000 objects (see gc_pause).
    assert startups.run.frozen > 100_000
    assert startups.report.frozen == 0  # a report builds no daemon
