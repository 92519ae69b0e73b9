"""`make test`/`make demo` survive a .venv built elsewhere: they rebuild it, never exit 127."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
TOOLS = ("ruff", "mypy", "pytest", "syncd")


def _checkout_with_venv(tmp_path: Path, python: str | None) -> Path:
    """A checkout whose .venv has an up-to-date stamp, and ``python`` as its interpreter."""
    for name in ("Makefile", "requirements-dev.lock", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    # What a venv built in another directory holds: scripts pointing at that venv's python.
    (bin_dir / "mypy").write_text("#!/elsewhere/.venv/bin/python\n", encoding="utf-8")
    (bin_dir / "mypy").chmod(0o755)
    if python is None:
        (bin_dir / "python").symlink_to("/nonexistent/bin/python3")
    else:
        (bin_dir / "python").write_text(f"#!/bin/sh\n{python}\n", encoding="utf-8")
        (bin_dir / "python").chmod(0o755)
    stamp = tmp_path / ".venv" / ".installed"
    stamp.touch()
    newer = (tmp_path / "pyproject.toml").stat().st_mtime + 10
    os.utime(stamp, (newer, newer))
    return tmp_path


def _plan(checkout: Path, target: str) -> list[str]:
    # Run as a top-level make even under `make test`: no inherited flags, no directory banners.
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", target],
        cwd=checkout,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


@pytest.mark.parametrize(
    "python",
    [
        pytest.param(None, id="interpreter-of-another-machine"),
        pytest.param("echo /elsewhere", id="editable-install-of-another-checkout"),
    ],
)
@pytest.mark.parametrize("target", ["test", "demo"])
def test_a_venv_built_elsewhere_is_rebuilt(tmp_path: Path, python: str | None, target: str) -> None:
    plan = _plan(_checkout_with_venv(tmp_path, python), target)
    assert any("pip install" in line and "-e ." in line for line in plan), plan


@pytest.mark.parametrize("target", ["test", "demo"])
def test_this_checkouts_venv_is_used_as_it_is(tmp_path: Path, target: str) -> None:
    checkout = _checkout_with_venv(tmp_path, f"echo {tmp_path.resolve()}")
    plan = _plan(checkout, target)
    assert not any("pip install" in line for line in plan), plan


@pytest.mark.parametrize("target", ["test", "demo"])
def test_tools_run_through_the_interpreter_never_a_script_shebang(
    tmp_path: Path, target: str
) -> None:
    plan = _plan(_checkout_with_venv(tmp_path, None), target)
    scripts = [f".venv/bin/{tool}" for tool in TOOLS]
    assert not [line for line in plan if line.startswith(tuple(scripts))], plan
    assert any(line.startswith(".venv/bin/python -m ") for line in plan[-1:]), plan
