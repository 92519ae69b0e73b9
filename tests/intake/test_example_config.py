"""The commented jsonhook and import examples of the shipped config are valid once uncommented."""

from __future__ import annotations

import re
from pathlib import Path

from connectors.registry import Catalog
from syncd.config_loader import load_settings
from syncd.contracts import WebhookReceiver
from syncd.edge.limiter import local_limiter
from syncd.runtime.building import build_sources

EXAMPLE = Path(__file__).parents[2] / "config" / "syncd.example.toml"


def _uncommented(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    live = False
    for line in lines:
        if re.match(r"# \[(sources\.mytool|imports\.legacy)", line):
            live = True
        elif live and not line.startswith("# "):
            live = False
        if live and line.startswith("# ") and not line.startswith("# Proof"):
            body = line[2:]
            if not body.startswith("secret_header") and not body.startswith("unauthenticated"):
                out.append(body)
                continue
        out.append(line)
    return "\n".join(out)


def test_the_examples_load(tmp_path: Path) -> None:
    token = tmp_path / "t"
    token.write_text("x", encoding="utf-8")
    text = _uncommented(EXAMPLE.read_text(encoding="utf-8"))
    path = tmp_path / "syncd.toml"
    path.write_text(text.replace("/run/secrets/hubspot_token", str(token)), encoding="utf-8")
    env = {"DELIGHTED_API_KEY": "k", "MYTOOL_WEBHOOK_SECRET": "s"}

    settings = load_settings(path, env, Catalog())

    sources = build_sources(settings, lambda scope: local_limiter)  # as on PostgreSQL
    assert isinstance(sources["mytool"], WebhookReceiver)
    assert not sources["mytool"].verify_webhook({"x-signature": "sha256=00"}, b"{}")
    assert settings.imports["legacy"].score == "NPS"
    assert settings.webhooks.max_body_bytes == 1048576
