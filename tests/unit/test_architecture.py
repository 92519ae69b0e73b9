"""The dependency arrows of the design, checked over every module of both packages, fakes included.

The rules, with no exempt folder:

- The core (``syncd/**``, the sandbox world included) imports no vendor SDK and no connector.
  The composition roots (``COMPOSITION_ROOTS``) are the only core modules that may import from
  ``connectors``, and from it only ``connectors.registry``, which names connectors and their fakes
  by dotted path.
- A connector (``connectors/<role>/<kind>/**``) imports from the core only ``CORE_FOR_CONNECTORS``,
  and from ``connectors`` only its own package: never another connector.
- A connector's fake (``connectors/<role>/<kind>/fake/**``) obeys the same rule and may in
  addition import the sandbox's HTTP plumbing (``FAKE_PLUMBING``); the connector's own code never
  imports its fake, so production never loads it.
- Top-level ``connectors/*.py`` (the registry) import no connector module and nothing of the core
  beyond ``CORE_FOR_CONNECTORS``.
- Pipeline stages never import each other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).parents[2]
#: The core modules that assemble concrete connectors (and their fakes) from the registry.
COMPOSITION_ROOTS = frozenset(
    {
        "syncd/runtime/building.py",
        "syncd/runtime/compose.py",
        "syncd/runtime/demo.py",
        "syncd/runtime/demo_config.py",
        "syncd/runtime/loading.py",
    }
)
REGISTRY = "connectors.registry"
VENDOR_SDKS = ("hubspot", "simple_salesforce", "httpx")
CORE_FOR_CONNECTORS = frozenset(
    {
        "syncd.chunks",
        "syncd.contracts",
        "syncd.model",
        "syncd.errors",
        "syncd.edge.limiter",
        "syncd.edge.rate_headers",
        "syncd.edge.retry_after",
        "syncd.edge.retry_policy",
        "syncd.edge.retrying",
        "syncd.edge.settings",
        "syncd.edge.values",
        "syncd.intake.mapping",
        "syncd.edge.traffic",
        "syncd.redact",
        "syncd.urls",
    }
)
#: What a fake may use of the core beyond ``CORE_FOR_CONNECTORS``: the loopback test server and
#: the fault modes every source fake shares (neither imports a connector: the arrow is one-way).
FAKE_PLUMBING = frozenset({"syncd.sandbox.http", "syncd.sandbox.faults"})
VIA_REGISTRY = "the core reaches connectors only via the registry"
STAGES = frozenset({"poll", "plan", "deliver", "track"})


def _module_of(relative: str) -> list[str]:
    return relative.removesuffix(".py").removesuffix("/__init__").split("/")


def _imports(relative: str, source: str) -> set[str]:
    """Absolute names of everything ``source`` imports, relative imports resolved."""
    package = _module_of(relative)[:-1] if not relative.endswith("__init__.py") else None
    package = package if package is not None else _module_of(relative)
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module or "").split(".")]).strip(".")
            names.add(module)
            if not node.module:  # "from . import x": each x is a module of the package
                names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def import_graph() -> dict[str, set[str]]:
    """Every module of ``syncd`` and ``connectors``: its path -> the names it imports."""
    graph: dict[str, set[str]] = {}
    for folder in ("syncd", "connectors"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            graph[relative] = _imports(relative, path.read_text(encoding="utf-8"))
    return graph


def _within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _core(relative: str, names: set[str]) -> Iterator[str]:
    for name in sorted(names):
        if _within(name, "connectors"):
            if relative not in COMPOSITION_ROOTS or name != REGISTRY:
                yield f"{relative} imports {name}: {VIA_REGISTRY}"
        elif name.split(".")[0] in VENDOR_SDKS:
            yield f"{relative} imports the vendor SDK {name}"


def _connector(relative: str, names: set[str]) -> Iterator[str]:
    parts = _module_of(relative)
    if len(parts) < 3:  # connectors/registry.py, connectors/<role>/__init__.py
        own, is_fake = None, False
    else:
        own, is_fake = ".".join(parts[:3]), len(parts) > 3 and parts[3] == "fake"
    allowed_core = CORE_FOR_CONNECTORS | (FAKE_PLUMBING if is_fake else frozenset())
    for name in sorted(names):
        if _within(name, "syncd") and name not in allowed_core:
            yield f"{relative} imports {name}: not among the core modules a connector may use"
        elif _within(name, "connectors") and name != "connectors":
            if own is None or not _within(name, own):
                yield f"{relative} imports {name}: a connector imports only its own package"
            elif not is_fake and _within(name, f"{own}.fake"):
                yield f"{relative} imports {name}: only tests and the registry load a fake"


def _stages(relative: str, names: set[str]) -> Iterator[str]:
    parts = _module_of(relative)
    if parts[:2] != ["syncd", "pipeline"] or len(parts) < 3:
        return
    for name in sorted(names):
        imported = name.split(".")
        crosses = len(imported) > 2 and imported[2] in STAGES and imported[2] != parts[2]
        if imported[:2] == ["syncd", "pipeline"] and crosses:
            yield f"{relative} imports {name}: pipeline stages never import each other"


def violations(graph: Mapping[str, set[str]]) -> list[str]:
    """Every broken arrow in ``graph`` (module path -> imported names)."""
    found: list[str] = []
    for relative, names in graph.items():
        if relative.startswith("syncd/"):
            found.extend(_core(relative, names))
            found.extend(_stages(relative, names))
        elif relative.startswith("connectors/"):
            found.extend(_connector(relative, names))
        else:
            found.append(f"{relative}: outside both packages, so no rule covers it")
    return found


def test_every_module_keeps_the_arrows() -> None:
    graph = import_graph()
    assert "connectors/crm/hubspot/fake/app.py" in graph  # the fakes are covered too
    assert "connectors/sources/delighted/fake/app.py" in graph
    assert violations(graph) == []


def test_the_sandbox_world_is_no_exemption() -> None:
    # The seeded world and the demo reach fakes through the registry, never by name.
    graph = {"syncd/sandbox/world.py": {"connectors.crm.hubspot.fake"}}
    assert violations(graph) == [
        f"syncd/sandbox/world.py imports connectors.crm.hubspot.fake: {VIA_REGISTRY}"
    ]


def test_composition_roots_use_only_the_registry() -> None:
    graph = {
        "syncd/runtime/demo.py": {"connectors.registry", "connectors.crm.hubspot.fake"},
        "syncd/runtime/daemon.py": {"connectors.registry"},
    }
    assert len(violations(graph)) == 2


def test_a_fake_obeys_the_connector_rule() -> None:
    fake = "connectors/sources/delighted/fake/app.py"
    allowed = {"syncd.sandbox.http", "syncd.errors", "connectors.sources.delighted.parse"}
    assert violations({fake: allowed}) == []
    assert len(violations({fake: {"syncd.store.outbox"}})) == 1
    assert len(violations({fake: {"connectors.crm.hubspot.fake.errors"}})) == 1
    assert len(violations({fake: {"syncd.sandbox.world"}})) == 1


def test_connector_code_never_loads_a_fake_nor_the_sandbox() -> None:
    client = "connectors/crm/hubspot/client.py"
    assert len(violations({client: {"connectors.crm.hubspot.fake"}})) == 1
    assert len(violations({client: {"syncd.sandbox.http"}})) == 1
    assert len(violations({client: {"connectors.sources.delighted.raw"}})) == 1


def test_relative_imports_are_resolved() -> None:
    source = "from ..store import outbox\nfrom . import poll\n"
    names = _imports("syncd/pipeline/plan.py", source)
    assert names >= {"syncd.store", "syncd.pipeline.poll"}
    assert _imports("connectors/crm/hubspot/fake/__init__.py", "from .app import X\n") == {
        "connectors.crm.hubspot.fake.app"
    }


def test_stages_never_import_each_other() -> None:
    graph = {"syncd/pipeline/deliver/run.py": {"syncd.pipeline.plan", "syncd.pipeline.deliver.x"}}
    assert violations(graph) == [
        "syncd/pipeline/deliver/run.py imports syncd.pipeline.plan: "
        "pipeline stages never import each other"
    ]
