"""The container and deployment files: schema-valid, consistent with each other and with syncd.

No container engine runs here, so the compose file is checked against the compose-spec schema and
the Kubernetes manifests against the API schemas, and the configs they carry are loaded by syncd.
"""

from __future__ import annotations

import copy
import json
import re
import tomllib
from fnmatch import fnmatch
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from syncd.runtime.compose import load
from syncd.settings import Settings

ROOT = Path(__file__).parents[2]
K8S = ROOT / "deploy" / "kubernetes"
K8S_VERSION = "1.30"


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _compose_errors(document: Any) -> list[str]:
    vendor = files("check_jsonschema.builtin_schemas.vendor")
    schema = json.loads(vendor.joinpath("compose-spec.json").read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


def _manifests() -> dict[str, Any]:
    found = {}
    for path in sorted(K8S.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            found[document["kind"]] = document
    return found


def _env_for_config(env: dict[str, str]) -> dict[str, str]:
    # The [http] table arrives with the HTTP port; until then its override is not an option.
    if "http" in Settings.model_fields:
        return env
    return {k: v for k, v in env.items() if not k.startswith("SYNCD__HTTP__")}


# --- compose ---------------------------------------------------------------------------------


def test_compose_file_is_valid_against_the_compose_spec() -> None:
    compose = _yaml(ROOT / "compose.yaml")
    assert _compose_errors(compose) == []
    broken = copy.deepcopy(compose)
    broken["services"]["syncd-1"]["restart"] = {"always": True}
    assert _compose_errors(broken)  # the schema does catch a wrong shape


def test_compose_runs_postgres_the_sandbox_and_three_replicas_of_syncd_run() -> None:
    services = _yaml(ROOT / "compose.yaml")["services"]
    replicas = {name: s for name, s in services.items() if s.get("command") == ["run"]}
    assert len(replicas) == 3
    published = {p.split(":")[0] for p in services["sandbox"]["ports"]}
    ids, ports = set(), set()
    for service in replicas.values():
        env = service["environment"]
        ids.add(env["SYNCD__DAEMON__INSTANCE_ID"])
        ports.add(env["SYNCD__HTTP__PORT"])
        # The sandbox listens on its loopback only: every replica shares its network namespace.
        assert service["network_mode"] == "service:sandbox"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["depends_on"]["crm-setup"]["condition"] == "service_completed_successfully"
    assert len(ids) == 3 and len(ports) == 3 and ports <= published
    assert services["sandbox"]["command"] == ["sandbox"]
    assert services["postgres"]["image"].startswith("postgres:")


def test_the_replicas_config_loads_and_points_at_the_packaged_sandbox(tmp_path: Path) -> None:
    services = _yaml(ROOT / "compose.yaml")["services"]
    sandbox = tomllib.loads((ROOT / "syncd" / "sandbox" / "demo.toml").read_text("utf-8"))
    for name in ("syncd-1", "crm-setup"):
        env = {k: str(v) for k, v in services[name]["environment"].items()}
        settings = load(ROOT / "deploy" / "compose" / "syncd.toml", _env_for_config(env))
        source, crm = settings.sources["delighted"], settings.crm
        served = sandbox["sources"]["delighted"]
        assert (source.model_extra or {})["base_url"] == served["base_url"]
        assert (source.model_extra or {})["api_key"] == served["api_key"]
        assert (crm.model_extra or {})["base_url"] == sandbox["crm"]["base_url"]
        assert (crm.model_extra or {})["access_token"] == sandbox["crm"]["access_token"]
        assert settings.daemon.resolved_database_url().startswith("postgresql://syncd@127.0.0.1")


# --- kubernetes ------------------------------------------------------------------------------


def test_every_manifest_is_valid_for_the_kubernetes_api() -> None:
    manifests = _manifests()
    assert {"Deployment", "Secret", "ConfigMap", "PodDisruptionBudget"} <= set(manifests)
    for manifest in manifests.values():
        kubernetes_validate.validate(manifest, K8S_VERSION, strict=True)
    broken = copy.deepcopy(manifests["Deployment"])
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProb"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


def test_the_deployment_probes_the_http_port_and_runs_locked_down() -> None:
    manifests = _manifests()
    deployment = manifests["Deployment"]
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["ports"] == [{"name": "http", "containerPort": 8080, "protocol": "TCP"}]
    assert container["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/readyz", "port": "http"}
    assert container["resources"]["requests"] and container["resources"]["limits"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert deployment["spec"]["selector"]["matchLabels"] == labels
    assert manifests["PodDisruptionBudget"]["spec"]["selector"]["matchLabels"] == labels
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["config"]["configMap"]["name"] == manifests["ConfigMap"]["metadata"]["name"]
    assert volumes["secrets"]["secret"]["secretName"] == manifests["Secret"]["metadata"]["name"]


def test_the_configmap_config_loads_with_the_secret_mounted(tmp_path: Path) -> None:
    manifests = _manifests()
    secrets = manifests["Secret"]["stringData"]
    for key, value in secrets.items():
        (tmp_path / key).write_text(value + "\n", encoding="utf-8")
    text = manifests["ConfigMap"]["data"]["syncd.toml"]
    referenced = set(re.findall(r"file:/run/secrets/syncd/([\w-]+)", text))
    assert referenced and referenced <= set(secrets)
    config = tmp_path / "syncd.toml"
    config.write_text(text.replace("/run/secrets/syncd", str(tmp_path)), encoding="utf-8")
    settings = load(config, {"PGPASSWORD": "x"})
    assert settings.daemon.database_url is not None
    assert (ROOT / "deploy" / "kubernetes" / "README.md").is_file()


# --- image -----------------------------------------------------------------------------------


def _instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_runs_syncd_under_tini_as_non_root_with_a_local_healthcheck() -> None:
    steps = _instructions()
    final = steps[max(i for i, (op, _) in enumerate(steps) if op == "FROM") :]
    by_op = {op: arg for op, arg in final}
    assert json.loads(by_op["ENTRYPOINT"]) == ["tini", "--", "syncd"]
    assert json.loads(by_op["CMD"]) == ["run"]
    assert by_op["USER"].split(":")[0] not in ("root", "0")
    assert by_op["HEALTHCHECK"].endswith('CMD ["syncd", "check", "--local"]')
    assert "8080" in by_op["EXPOSE"]
    runs = " ".join(arg for op, arg in steps if op == "RUN")
    assert "-r requirements.lock" in runs and "requirements-dev.lock" not in runs


def test_the_build_context_keeps_what_the_image_copies_and_drops_the_rest() -> None:
    ignored = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for must in (".venv", "data", ".git", "tests", ".mypy_cache", "**/__pycache__"):
        assert must in ignored
    copied = [
        part
        for op, arg in _instructions()
        if op == "COPY" and not arg.startswith("--from")
        for part in arg.split()[:-1]
    ]
    assert copied
    for name in copied:
        assert (ROOT / name).exists(), name
        assert not any(fnmatch(name, pattern) for pattern in ignored), name
