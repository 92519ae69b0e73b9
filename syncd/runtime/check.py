"""``syncd check``: every dependency verified against the real store, sources and CRM.

One result per dependency, so an admin sees everything wrong at once: the store reachable and
migrated, each source's credentials, the CRM's credentials, scopes and configured fields, the
owner list, every team a routing rule names, and the fallback owner.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sqlalchemy.exc import SQLAlchemyError

from syncd.contracts import Crm, SurveySource
from syncd.errors import SyncdError
from syncd.model import CheckResult, Owner
from syncd.routing import fallback_missing, unknown_teams
from syncd.routing_settings import RoutingSettings
from syncd.store.engine import open_engine
from syncd.store.revision import HEAD, current_revision


def run_checks(
    database_url: str,
    sources: Mapping[str, SurveySource],
    crm: Crm,
    routing: RoutingSettings,
) -> list[CheckResult]:
    """Every check, in dependency order; none raises."""
    results = [check_store(database_url)]
    for source in sources.values():
        results += _guarded(f"source {source.name}", source.check)
    results += _guarded(f"crm {crm.name}", crm.check)
    owners: list[Sequence[Owner]] = []
    results += _guarded(f"crm {crm.name} owners", lambda: _owners(crm, owners))
    if owners:
        results += check_routing(crm.name, routing, owners[0])
    else:
        detail = "not checked: the owner list cannot be read"
        results.append(
            CheckResult(f"crm {crm.name} routing teams and fallback owner", False, detail)
        )
    return results


def check_store(database_url: str) -> CheckResult:
    """Reachable, and at the newest schema revision (``syncd run`` migrates; this only looks)."""
    engine = open_engine(database_url)
    try:
        with engine.connect() as conn:
            current = current_revision(conn)
    except SQLAlchemyError as error:
        return CheckResult("store", False, f"cannot connect: {str(error).splitlines()[0]}")
    finally:
        engine.dispose()
    if current != HEAD:
        detail = f"schema at {current or 'nothing'}, newest is {HEAD}: start `syncd run` once"
        return CheckResult("store", False, detail)
    return CheckResult("store", True, f"reachable, schema at {HEAD}")


def check_routing(crm: str, routing: RoutingSettings, owners: Sequence[Owner]) -> list[CheckResult]:
    """Each team a task-creating rule names has an active owner; the fallback owner exists."""
    problems = {problem.team: problem for problem in unknown_teams(routing.rules, owners)}
    results = [
        CheckResult(
            f"crm {crm} team {rule.team!r} (rule {rule.name!r})",
            rule.team not in problems,
            str(problems[rule.team]) if rule.team in problems else "has active owners",
        )
        for rule in routing.rules
        if rule.create_task and rule.team is not None
    ]
    if routing.fallback_owner is not None:
        missing = fallback_missing(routing.fallback_owner, owners)
        detail = "is not an active CRM owner: correct [routing] fallback_owner" if missing else ""
        results.append(
            CheckResult(f"crm {crm} fallback owner {routing.fallback_owner!r}", not missing, detail)
        )
    return results


def _owners(crm: Crm, found: list[Sequence[Owner]]) -> Sequence[CheckResult]:
    owners = crm.list_owners()
    found.append(owners)
    active = sum(owner.active for owner in owners)
    return [CheckResult(f"crm {crm.name} owners", active > 0, f"{active} active owner(s)")]


def _guarded(name: str, check: Callable[[], Sequence[CheckResult]]) -> Sequence[CheckResult]:
    try:
        return check()
    except SyncdError as error:
        return [CheckResult(name, False, str(error))]
