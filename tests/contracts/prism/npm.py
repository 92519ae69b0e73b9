"""Prism and HubSpot's OpenAPI documents, installed from npm into a cache outside the repository.

HubSpot's documents may not be redistributed, so they are installed at test time and never
committed. The cache is shared by parallel runs: one installs under a file lock, the others wait.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
from pathlib import Path

#: Pinned: the versions crm-mock-feasibility.md tested.
PACKAGES = ("@stoplight/prism-cli@5.14.2", "@opensdks/sdk-hubspot@0.0.6")
INSTALL_TIMEOUT_SECONDS = 300


class NpmUnavailable(RuntimeError):
    """Node or npm is missing, or the packages could not be installed."""


def cache_dir() -> Path:
    """``$XDG_CACHE_HOME/syncd-tests/prism`` (``~/.cache`` by default), outside any checkout."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "syncd-tests" / "prism"


def installed() -> Path:
    """The ``node_modules`` directory holding ``PACKAGES``, installing them on first use."""
    for tool in ("node", "npm"):
        if shutil.which(tool) is None:
            raise NpmUnavailable(f"{tool} is not on PATH; install Node 20 with npm")
    home = cache_dir()
    home.mkdir(parents=True, exist_ok=True)
    marker = home / "installed.txt"
    wanted = "\n".join(PACKAGES)
    with (home / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not marker.exists() or marker.read_text() != wanted:
            _install(home)
            marker.write_text(wanted)
    return home / "node_modules"


def _install(home: Path) -> None:
    (home / "package.json").write_text('{"name": "syncd-prism-cache", "private": true}\n')
    command = ["npm", "install", "--no-audit", "--no-fund", "--no-save", *PACKAGES]
    try:
        done = subprocess.run(
            command,
            cwd=home,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise NpmUnavailable(f"npm install took over {INSTALL_TIMEOUT_SECONDS} s") from error
    if done.returncode != 0:
        raise NpmUnavailable(f"npm install {' '.join(PACKAGES)} failed: {done.stderr[-2000:]}")
