"""The configuration ``syncd demo`` and ``syncd sandbox`` run with, and the guard around it.

The demo config ships inside the package, so ``pip install`` + ``syncd demo`` works from any
directory. Neither ``SYNCD_CONFIG`` nor ``SYNCD__`` overrides apply: a container sets both for its
live store, and the demo must never reach that store. An explicit ``--config`` is accepted only
when it is a sandbox config: one survey source and the CRM, of kinds the sandbox fakes, on
loopback URLs, and no ``database_url`` (the demo keeps its own SQLite store).
"""

from __future__ import annotations

import os
import shlex
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.resources import as_file, files
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import BaseModel

from connectors.registry import fake_kinds
from syncd.config_overrides import ENV_PREFIX
from syncd.errors import ConfigError, ConfigProblem
from syncd.runtime.compose import load
from syncd.sandbox.defaults import DEFAULT_CRM, DEFAULT_SOURCE
from syncd.settings import Settings

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


_FOLDERS = {"source": "sources", "crm": "crms"}


def sandbox_kinds(role: str) -> tuple[str, ...]:
    """The kinds ``--source`` (role "source") or ``--crm`` (role "crm") can pick."""
    folder = files("syncd.sandbox").joinpath(_FOLDERS[role])
    items = folder.iterdir() if folder.is_dir() else ()
    extra = (item.name[: -len(".toml")] for item in items if item.name.endswith(".toml"))
    return tuple(sorted({DEFAULT_SOURCE if role == "source" else DEFAULT_CRM, *extra}))


@contextmanager
def packaged_config(source: str = DEFAULT_SOURCE, crm: str = DEFAULT_CRM) -> Iterator[Path]:
    """The packaged demo config, its source and CRM sections those of ``source`` and ``crm``.

    The path is valid inside the ``with``: the defaults are ``demo.toml`` itself, any other kind
    a copy with the marked section replaced by ``sources/<kind>.toml`` or ``crms/<kind>.toml``.
    """
    package = files("syncd.sandbox")
    with as_file(package.joinpath("demo.toml")) as demo:
        if (source, crm) == (DEFAULT_SOURCE, DEFAULT_CRM):
            yield demo
            return
        text = demo.read_text(encoding="utf-8")
    for role, kind, default in (("source", source, DEFAULT_SOURCE), ("crm", crm, DEFAULT_CRM)):
        if kind != default:
            part = package.joinpath(_FOLDERS[role], f"{kind}.toml").read_text(encoding="utf-8")
            text = _replace_section(text, role, part)
    with tempfile.TemporaryDirectory(prefix="syncd-sandbox-") as folder:
        path = Path(folder) / f"sandbox-{source}-{crm}.toml"
        path.write_text(text, encoding="utf-8")
        yield path


def _replace_section(text: str, role: str, part: str) -> str:
    start, end = f"# >>> {role}\n", f"# <<< {role}\n"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    return f"{head}{start}{part.rstrip()}\n{end}{tail}"


def load_sandbox_settings(
    config: Path | None, source: str = DEFAULT_SOURCE, crm: str = DEFAULT_CRM
) -> Settings:
    """Load ``config`` (default: the packaged one for ``source`` and ``crm``) without env
    overrides; refuse non-sandbox."""
    env = _without_overrides(os.environ)
    if config is None:
        with packaged_config(source, crm) as path:
            settings = load(path, env)
    else:
        settings = load(config, env)
    problems = sandbox_problems(settings)
    if problems:
        raise ConfigError(problems)
    return settings


def _without_overrides(env: Mapping[str, str]) -> dict[str, str]:
    # Secret references (env:NAME) still resolve; only the SYNCD__ overrides are dropped.
    return {name: value for name, value in env.items() if not name.startswith(ENV_PREFIX)}


def sandbox_problems(settings: Settings) -> list[ConfigProblem]:
    """Why ``settings`` is not a sandbox config, one problem per offending field."""
    problems: list[ConfigProblem] = []
    if settings.daemon.database_url is not None:
        problems.append(
            ConfigProblem(
                "daemon.database_url",
                "the demo keeps its own SQLite store and never opens another; remove this option",
            )
        )
    if len(settings.sources) != 1:
        names = ", ".join(sorted(settings.sources))
        problems.append(
            ConfigProblem("sources", f"the sandbox serves exactly one survey source, not: {names}")
        )
    for name, source in settings.sources.items():
        problems.extend(
            _connector_problems(f"sources.{name}", source.kind, fake_kinds("source"), source)
        )
    crm = settings.crm
    problems.extend(_connector_problems("crm", crm.kind, fake_kinds("crm"), crm))
    return problems


def _connector_problems(
    where: str, kind: str, sandbox_kinds: tuple[str, ...], section: BaseModel
) -> Iterator[ConfigProblem]:
    if kind not in sandbox_kinds:
        runs = ", ".join(repr(known) for known in sandbox_kinds)
        yield ConfigProblem(f"{where}.kind", f"{kind!r} has no sandbox fake; the demo runs {runs}")
    url = _url(section)
    if urlsplit(url).hostname not in LOOPBACK_HOSTS:
        shown = f"{url[:60]!r} is not a sandbox URL" if url else "not set, so the vendor's API"
        yield ConfigProblem(
            f"{where}.base_url",
            f"{shown}; the demo only talks to its own fakes on 127.0.0.1 "
            "(run `syncd demo` without --config to use the packaged sandbox config)",
        )


def port_of(section: BaseModel) -> int:
    """The port a section's loopback ``base_url`` names (0, any free port, when it names none)."""
    return urlsplit(_url(section)).port or 0


def run_hint(config: Path, configured: Settings, served: Settings) -> str:
    """The ``syncd run`` command for a daemon against the served fakes, wherever they landed."""
    moved: list[str] = []
    for name, source in served.sources.items():
        if _url(source) != _url(configured.sources[name]):
            moved.append(f"SYNCD__SOURCES__{name.upper()}__BASE_URL={_url(source)}")
    if _url(served.crm) != _url(configured.crm):
        moved.append(f"SYNCD__CRM__BASE_URL={_url(served.crm)}")
    return " ".join([*moved, "syncd", "run", "--config", shlex.quote(str(config))])


def _url(section: BaseModel) -> str:
    return str((section.model_extra or {}).get("base_url", ""))
