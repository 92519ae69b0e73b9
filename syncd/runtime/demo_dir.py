"""The demo's own directory: the only kind of directory ``syncd demo`` ever empties.

A directory becomes the demo's when the demo creates it, or finds it empty, and writes a marker
file into it. Every later run empties a marked directory and starts over; a directory with content
but no marker is somebody else's store and is refused untouched. A lock on the marker keeps two
demos from emptying each other's store mid-run.
"""

from __future__ import annotations

import fcntl
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from syncd.errors import SyncdError

MARKER = ".syncd-demo"
MARKER_TEXT = (
    "This directory belongs to `syncd demo`, which empties it at the start of every run.\n"
    "Delete this file and the demo will refuse to touch the directory again.\n"
)


class DemoDirRefused(SyncdError):
    """The directory is not the demo's own, or another demo is using it; nothing was touched."""


@contextmanager
def claim_demo_dir(path: Path) -> Iterator[Path]:
    """Make ``path`` the demo's (new, empty or marked), empty it, and hold it until the run ends."""
    path = path.absolute()
    _mark(path)
    with (path / MARKER).open("a", encoding="utf-8") as marker:
        try:
            fcntl.flock(marker, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise DemoDirRefused(
                f"another `syncd demo` is using {path}; wait for it to finish or choose "
                "another directory with --data-dir"
            ) from error
        _empty(path)
        yield path


def _mark(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise DemoDirRefused(f"{path} is a file, not a directory; choose another with --data-dir")
    if (path / MARKER).is_file():
        return
    if path.exists() and any(path.iterdir()):
        raise DemoDirRefused(
            f"{path} is not empty and has no {MARKER} marker, so the demo did not create it; "
            "the demo only ever empties its own directories. Choose a new or empty directory "
            "with --data-dir"
        )
    path.mkdir(parents=True, exist_ok=True)
    (path / MARKER).write_text(MARKER_TEXT, encoding="utf-8")


def _empty(path: Path) -> None:
    # Only reached for a marked directory: a demo always starts from an empty store.
    for child in path.iterdir():
        if child.name == MARKER:
            continue
        if child.is_dir() and not child.is_symlink():
            shutil.rmtree(child)
        else:
            child.unlink()
