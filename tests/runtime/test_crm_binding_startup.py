"""A daemon refuses to start against a store that serves another CRM (SQLite and PostgreSQL)."""

from __future__ import annotations

from pathlib import Path

import pytest

from syncd.runtime.compose import build_daemon
from syncd.store.crm_binding import StoreOfAnotherCrm
from tests.e2e.helpers import sandbox_settings


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_env(request: pytest.FixtureRequest) -> dict[str, str]:
    """Environment overrides that point the daemon at a fresh store of each kind."""
    if request.param == "sqlite":
        return {}  # the data dir's own SQLite file
    return {"SYNCD__DAEMON__DATABASE_URL": request.getfixturevalue("pg_server_url")}


def test_start_against_a_store_of_another_crm_is_refused(
    tmp_path: Path, store_env: dict[str, str]
) -> None:
    with sandbox_settings(tmp_path / "data", **store_env) as (_, settings):
        build_daemon(settings).close()
        build_daemon(settings).close()  # the same CRM starts again
        other = settings.model_copy(
            update={"crm": settings.crm.model_copy(update={"name": "second-portal"})}
        )
        with pytest.raises(StoreOfAnotherCrm) as refused:
            build_daemon(other)
    assert f"serves CRM {settings.crm.name!r}" in str(refused.value)
    assert "'second-portal'" in str(refused.value)
