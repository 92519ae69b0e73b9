"""The demo's directory: created and marked by the demo, the only kind it ever empties."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.runtime.demo_dir import MARKER, DemoDirRefused, claim_demo_dir


def test_a_new_directory_is_created_marked_and_emptied_on_the_next_run(tmp_path: Path) -> None:
    home = tmp_path / "a" / "demo"
    with claim_demo_dir(home) as claimed:
        assert claimed == home and (home / MARKER).is_file()
        (home / "syncd.db").write_text("run one", encoding="utf-8")
        (home / "nested").mkdir()
        (home / "nested" / "file").write_text("x", encoding="utf-8")
    with claim_demo_dir(home):
        assert sorted(p.name for p in home.iterdir()) == [MARKER]


def test_an_empty_directory_becomes_the_demos(tmp_path: Path) -> None:
    with claim_demo_dir(tmp_path):
        assert (tmp_path / MARKER).is_file()


def test_a_directory_with_content_and_no_marker_is_refused_untouched(tmp_path: Path) -> None:
    (tmp_path / "syncd.db").write_text("live", encoding="utf-8")
    with pytest.raises(DemoDirRefused, match="has no"), claim_demo_dir(tmp_path):
        pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["syncd.db"]


def test_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("keep", encoding="utf-8")
    with pytest.raises(DemoDirRefused, match="is a file"), claim_demo_dir(target):
        pass
    assert target.read_text(encoding="utf-8") == "keep"


def test_a_directory_in_use_by_another_demo_is_refused_without_emptying(tmp_path: Path) -> None:
    with claim_demo_dir(tmp_path):
        (tmp_path / "syncd.db").write_text("in use", encoding="utf-8")
        refused = pytest.raises(DemoDirRefused, match="is using")
        with refused, claim_demo_dir(tmp_path):
            pass
        assert (tmp_path / "syncd.db").read_text(encoding="utf-8") == "in use"
