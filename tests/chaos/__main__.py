"""``python -m tests.chaos``: run the chaos scenarios and print their table.

Full sizes by default (5,000 answers, 20 kills); ``--small`` runs the sizes CI runs. Exits 1
when any scenario lost or duplicated an answer.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from tests.chaos import pg, scenarios
from tests.chaos.outcome import Outcome
from tests.chaos.report import table
from tests.chaos.scenarios import SMALL, Sizes

Scenario = Callable[[Path, Sizes], Outcome]
SCENARIOS: dict[str, Scenario] = {
    "sigkill-sqlite": lambda w, s: scenarios.sigkill(w, s, "sqlite"),
    "sigkill-postgres": lambda w, s: scenarios.sigkill(w, s, "postgres"),
    "faults": scenarios.crm_faults,
    "replicas": scenarios.replicas_one_killed,
    "limit-1": lambda w, s: scenarios.shared_limit(w, s, 1),
    "limit-3": lambda w, s: scenarios.shared_limit(w, s, 3),
    "late-comments": scenarios.late_comments,
}
NEEDS_POSTGRES = frozenset({"sigkill-postgres", "replicas", "limit-3"})


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    parser.add_argument("--small", action="store_true", help="the sizes CI runs")
    parser.add_argument("--answers", type=int, help="answers per scenario (default 5000)")
    parser.add_argument("--kills", type=int, help="SIGKILLs in the kill scenarios (default 20)")
    parser.add_argument(
        "--only", nargs="+", choices=sorted(SCENARIOS), help="run these scenarios only"
    )
    parser.add_argument("--workdir", type=Path, help="keep configs, logs and stores here")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    """Run the chosen scenarios, print the table; 1 when any was not exactly-once."""
    args = _arguments(argv)
    sizes = SMALL if args.small else Sizes()
    sizes = replace(sizes, answers=args.answers or sizes.answers, kills=args.kills or sizes.kills)
    names = args.only or list(SCENARIOS)
    if NEEDS_POSTGRES.intersection(names) and not pg.reachable():
        print(f"PostgreSQL is not reachable at {pg.PG_URL}: set SYNCD_TEST_PG_URL", file=sys.stderr)
        return 2
    root = args.workdir or Path(tempfile.mkdtemp(prefix="syncd-chaos-"))
    outcomes: list[Outcome] = []
    for name in names:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        outcomes.append(SCENARIOS[name](root / name, sizes))
        print(table(outcomes[-1:]), file=sys.stderr, flush=True)
    print(table(outcomes))
    print(f"\nconfigs, logs and stores: {root}")
    return 0 if all(o.exactly_once() for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
