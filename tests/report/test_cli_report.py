"""``syncd report`` end to end: only the store is needed; a missing store is refused."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import insert
from typer.testing import CliRunner

from syncd.cli import app
from syncd.clock import to_ms
from syncd.model import Owner, SurveyResponse
from syncd.report.formats import CSV_COLUMNS, WEEK_COLUMNS
from syncd.report.rows import RESPONSE_COLUMNS
from syncd.store import owners, schema
from syncd.store.engine import migrate, open_engine
from syncd.store.inbox import store_response

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
H = 3_600_000
# Every secret is a reference to a variable nobody set: the report must not need them.
CONFIG = """
[daemon]
data_dir = "{data}"

[sources.delighted]
kind = "delighted"
api_key = "env:SYNCD_TEST_UNSET_SOURCE_KEY"

[crm]
kind = "hubspot"
token = "env:SYNCD_TEST_UNSET_CRM_TOKEN"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    engine = open_engine(f"sqlite:///{data / 'syncd.db'}")
    migrate(engine)
    t0 = to_ms(T0)
    with engine.begin() as conn:
        owners.replace(conn, "hubspot", [Owner("u1", "owner@corp.example", "Ann Lee")], 0)
        for n, (score, closed) in enumerate([(2, t0 + 5 * H), (8, None), (10, None)]):
            conn.execute(
                insert(schema.loops).values(
                    source="delighted",
                    response_id=f"r{n}",
                    crm="hubspot",
                    category="detractor" if score < 7 else "passive" if score < 9 else "promoter",
                    score=score,
                    email=f"customer{n}@client.example",
                    team="Support",
                    owner_id="u1",
                    task_id=f"t{n}",
                    response_ms=t0 + n * H,
                    seen_ms=t0 + n * H + 60_000,
                    due_ms=t0 + 24 * H,
                    task_created_ms=t0 + n * H + 120_000,
                    closed_ms=closed,
                    updated_ms=0,
                )
            )
            answer = SurveyResponse("delighted", f"r{n}", 1, score, T0, T0)
            store_response(conn, answer, t0)
    engine.dispose()
    path = tmp_path / "syncd.toml"
    path.write_text(CONFIG.format(data=data), encoding="utf-8")
    return path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["report", *args])
    return result.exit_code, result.stdout, result.stderr


def test_the_report_needs_no_crm_or_source_secret(config: Path) -> None:
    code, out, err = run("-c", str(config))
    assert code == 0, err
    assert "NPS: 0 from 3 responses" in out
    assert "By owner" in out


def test_a_store_that_does_not_exist_is_refused(tmp_path: Path, config: Path) -> None:
    typo = tmp_path / "dta"
    wrong = tmp_path / "wrong.toml"
    wrong.write_text(CONFIG.format(data=typo), encoding="utf-8")
    code, out, err = run("-c", str(wrong))
    assert code == 2
    assert f"no store at {typo / 'syncd.db'}" in err
    assert "no responses yet" not in out
    assert not typo.exists()  # nothing was created on the way


def test_an_empty_database_is_not_a_store(tmp_path: Path) -> None:
    data = tmp_path / "d"
    data.mkdir()
    (data / "syncd.db").touch()
    path = tmp_path / "c.toml"
    path.write_text(CONFIG.format(data=data), encoding="utf-8")
    code, _, err = run("-c", str(path))
    assert code == 2
    assert "holds no syncd store" in err


def _csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_tables_have_their_columns(config: Path) -> None:
    code, out, _ = run("-c", str(config), "-f", "csv")
    assert code == 0
    assert out.splitlines()[0] == ",".join(CSV_COLUMNS)
    code, out, _ = run("-c", str(config), "-f", "csv", "--rows", "weeks")
    assert code == 0
    assert out.splitlines()[0] == ",".join(WEEK_COLUMNS)
    (week,) = _csv(out)
    assert (week["week_start"], week["responses"], week["nps"]) == ("2026-11-02", "3", "0")
    code, out, _ = run("-c", str(config), "-f", "csv", "--rows", "responses")
    assert code == 0
    rows = _csv(out)
    assert list(rows[0]) == ["snapshot_at", *RESPONSE_COLUMNS]
    assert [r["response_id"] for r in rows] == ["r0", "r1", "r2"]
    assert rows[0]["closed_within_sla"] == "True"
    assert rows[0]["time_to_task_s"] == "120.0"  # from the answer: what the customer waited
    assert rows[0]["owner_name"] == "Ann Lee"
    assert {r["email"] for r in rows} == {""}
    code, out, _ = run("-c", str(config), "-f", "csv", "--rows", "responses", "--include-personal")
    assert _csv(out)[0]["email"] == "customer0@client.example"


def test_json_with_rows_and_a_grouping(config: Path, tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    args = ["-c", str(config), "-f", "json", "--rows", "responses", "--group-by", "week"]
    code, _, err = run(*args, "-o", str(target))
    assert code == 0, err
    doc = json.loads(target.read_text(encoding="utf-8"))
    assert list(doc["loops"]) == ["overall", "week"]
    assert [r["response_id"] for r in doc["responses"]] == ["r0", "r1", "r2"]
    assert all(r["email"] is None for r in doc["responses"])
    assert doc["funnel"] == {"answered": 3, "task": 3, "touched": 0, "closed": 1}
    assert doc["weeks"][0]["label"] == "2026-11-02"


def test_since_and_until_bound_the_answers(config: Path) -> None:
    args = ["-c", str(config), "-f", "json", "--since", "2026-11-02T10:00", "--until"]
    code, out, _ = run(*args, "2026-11-02T11:00")
    assert code == 0
    assert json.loads(out)["loops"]["overall"]["responses"] == 1


def test_an_unknown_grouping_is_a_usage_error(config: Path) -> None:
    code, _, _ = run("-c", str(config), "--group-by", "planet")
    assert code == 2


def test_html_is_shareable_unless_personal_data_is_asked_for(config: Path) -> None:
    code, page, _ = run("-c", str(config), "-f", "html")
    assert code == 0
    outside_scripts = re.sub(r"<script>.*?</script>", "", page, flags=re.DOTALL)
    assert "@" not in outside_scripts
    assert "client.example" not in page and "corp.example" not in page
    code, page, _ = run("-c", str(config), "-f", "html", "--include-personal")
    assert "owner@corp.example" in page
