"""The dependency arrows of the design: the core never imports a vendor, stages never each other."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
#: The composition root may name concrete connectors; nothing else in the core may.
COMPOSITION_ROOT = {"syncd/runtime/compose.py"}
VENDOR_SDKS = ("hubspot", "simple_salesforce", "httpx")
CORE_FOR_CONNECTORS = {
    "syncd.contracts",
    "syncd.model",
    "syncd.errors",
    "syncd.edge.limiter",
    "syncd.edge.retry_after",
    "syncd.edge.retrying",
    "syncd.edge.settings",
    "syncd.redact",
    "syncd.urls",
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def _files(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_core_never_imports_connectors_or_vendor_sdks() -> None:
    for path in _files("syncd"):
        relative = path.relative_to(ROOT).as_posix()
        if relative in COMPOSITION_ROOT or relative.startswith("syncd/sandbox/"):
            continue
        for name in _imports(path):
            assert not name.startswith("connectors"), f"{relative} imports {name}"
            assert not name.startswith(VENDOR_SDKS), f"{relative} imports {name}"


def test_pipeline_stages_never_import_each_other() -> None:
    stages = {"poll", "plan", "deliver", "track"}
    for path in _files("syncd/pipeline"):
        relative = path.relative_to(ROOT / "syncd" / "pipeline").as_posix()
        own = relative.split("/")[0].removesuffix(".py")
        for name in _imports(path):
            parts = name.split(".")
            if parts[:2] == ["syncd", "pipeline"] and len(parts) > 2:
                assert parts[2] in {own} or parts[2] not in stages, f"{relative} imports {name}"


def test_connectors_use_only_the_core_contracts() -> None:
    for path in _files("connectors"):
        for name in _imports(path):
            if name.startswith("syncd"):
                assert name in CORE_FOR_CONNECTORS, f"{path.relative_to(ROOT)} imports {name}"
