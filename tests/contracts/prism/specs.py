"""HubSpot's OpenAPI documents from npm ``@opensdks/sdk-hubspot``, merged into one for Prism.

The changes are mechanical and write no schema by hand (crm-mock-feasibility.md, section 6):
``"example": null`` is dropped (Prism would serve it), ``*/*`` error content is served as JSON,
each document's components get a prefix so same-named schemas of two documents never collide,
paths get the document's server path (the v4 associations document's server ends in
``/crm/v4/associations``), and paths not ending in a parameter get a trailing-slash alias (the
SDK asks for ``/crm/v3/owners/``).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

#: The documents syncd's traffic touches, in matching order: concrete paths before the
#: generic ``/crm/v3/objects/{objectType}`` ones (Prism takes the first path that matches).
DOCUMENTS = (
    "hubspot_crm_contacts",
    "hubspot_crm_objects",
    "hubspot_crm_owners",
    "hubspot_crm_properties",
    "hubspot_crm_crm_associations",  # v4: batch/associate/default
)

#: Endpoints syncd calls that no document of the package describes. HubSpot's own documents for
#: them live only in HubSpot's spec collection on GitHub, whose licence forbids redistribution
#: and which the test machines cannot download; they pass through Prism unchecked.
UNCOVERED = {
    # Task upsert by the unique key property (the objects document predates batch/upsert).
    "/crm/v3/objects/tasks/batch/upsert": "post",
}


def merged(package_dir: Path, server_url: str) -> dict[str, Any]:
    """One OpenAPI document of ``DOCUMENTS`` from the installed package."""
    paths: dict[str, Any] = {}
    components: dict[str, dict[str, Any]] = {}
    schemes: dict[str, Any] = {}
    for index, name in enumerate(DOCUMENTS):
        document = _clean(json.loads((package_dir / f"{name}.oas.json").read_text()))
        prefix = f"d{index}_"
        document = _prefixed(document, prefix)
        base = urlparse(document.get("servers", [{"url": ""}])[0]["url"]).path.rstrip("/")
        for path, item in document["paths"].items():
            paths.setdefault(base + path, item)
        for section, entries in document.get("components", {}).items():
            if section == "securitySchemes":
                _merge_schemes(schemes, entries)
            else:
                components.setdefault(section, {}).update(entries)
    for path, method in UNCOVERED.items():
        paths.setdefault(path, {method: _unchecked(path)})
    components["securitySchemes"] = schemes
    return {
        "openapi": "3.0.1",
        "info": {"title": "HubSpot (syncd's endpoints)", "version": "v3"},
        "servers": [{"url": server_url}],
        "paths": _with_aliases(paths),
        "components": components,
    }


def _clean(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _clean(v) for k, v in node.items() if not (k == "example" and v is None)}
        content = out.get("content")
        if isinstance(content, dict) and "*/*" in content:
            content.setdefault("application/json", content.pop("*/*"))
        return out
    if isinstance(node, list):
        return [_clean(item) for item in node]
    return node


def _prefixed(document: dict[str, Any], prefix: str) -> dict[str, Any]:
    """Rename every component (but the security schemes) and rewrite the references to it."""
    text = json.dumps(document)
    for section, entries in document.get("components", {}).items():
        if section == "securitySchemes":
            continue
        for name in entries:
            ref = f'"#/components/{section}/{name}"'
            text = text.replace(ref, f'"#/components/{section}/{prefix}{name}"')
    renamed: dict[str, Any] = json.loads(text)
    for section, entries in list(renamed.get("components", {}).items()):
        if section != "securitySchemes":
            renamed["components"][section] = {prefix + k: v for k, v in entries.items()}
    return renamed


def _merge_schemes(into: dict[str, Any], schemes: dict[str, Any]) -> None:
    for name, scheme in schemes.items():
        if name not in into:
            into[name] = copy.deepcopy(scheme)
            continue
        for flow_name, flow in scheme.get("flows", {}).items():
            target = into[name].setdefault("flows", {}).setdefault(flow_name, flow)
            target.setdefault("scopes", {}).update(flow.get("scopes", {}))


def _unchecked(path: str) -> dict[str, Any]:
    return {
        "operationId": "unchecked_" + path.strip("/").replace("/", "_"),
        "description": "Not in the package's documents: passed through unchecked.",
        "requestBody": {"content": {"application/json": {}}},  # any JSON body, unchecked
        "responses": {"default": {"description": "any"}},
    }


def _with_aliases(paths: dict[str, Any]) -> dict[str, Any]:
    """A trailing-slash alias for every path not ending in a parameter, aliases first."""
    aliases: dict[str, Any] = {}
    for path, item in paths.items():
        if path.endswith(("}", "/")) or path + "/" in paths:
            continue
        alias = copy.deepcopy(item)
        for operation in alias.values():
            if isinstance(operation, dict) and "operationId" in operation:
                operation["operationId"] += "_trailing_slash"
        aliases[path + "/"] = alias
    return aliases | paths
