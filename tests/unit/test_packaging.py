"""A non-editable install carries every data file the packages read (e.g. the demo config)."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

ROOT = Path(__file__).parents[2]


def test_every_data_file_in_the_packages_is_declared_as_package_data() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared: dict[str, list[str]] = pyproject["tool"]["setuptools"]["package-data"]
    for package, patterns in declared.items():
        folder = ROOT / package
        data = [
            path.relative_to(folder).as_posix()
            for path in folder.rglob("*")
            if path.is_file() and path.suffix not in {".py", ".pyc"}
        ]
        missing = [name for name in data if not any(fnmatch(name, p) for p in patterns)]
        assert not missing, f"add to [tool.setuptools.package-data] {package}: {missing}"
    assert "sandbox/demo.toml" in declared["syncd"]
