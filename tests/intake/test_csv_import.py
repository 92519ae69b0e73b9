"""``syncd import``: CSV rows through the inbox's dedupe and the quarantine, streamed in batches."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from syncd.cli import app
from syncd.intake.csv_import import ImportRefused, ImportResult, import_csv
from syncd.intake.mapping import FieldMapping
from tests.intake.support import inbox_rows, quarantined

NOW = datetime(2026, 12, 1, tzinfo=UTC)
HEADER = "response_id,score,submitted_at,email,comment\n"
GOOD = [
    "r1,9,2026-11-30T09:00:00Z,ann@example.org,Great\n",
    'r2,3,2026-11-30T10:00:00Z,bob@example.org,"Slow, and\nbuggy"\n',
]


def _ms(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp() * 1000)


def _import(engine: Engine, text: str, **options: object) -> ImportResult:
    mapping = options.pop("mapping", FieldMapping())
    assert isinstance(mapping, FieldMapping)
    return import_csv(engine, "export", io.StringIO(text), mapping, now=NOW, **options)  # type: ignore[arg-type]


def test_rows_become_answers(engine: Engine) -> None:
    result = _import(engine, HEADER + "".join(GOOD))

    assert (result.rows, result.stored, result.quarantined) == (2, 2, 0)
    assert [row[1:] for row in inbox_rows(engine)] == [
        ("r1", _ms("2026-11-30T09:00:00Z"), 9),
        ("r2", _ms("2026-11-30T10:00:00Z"), 3),
    ]


def test_bad_rows_are_quarantined_with_their_row_number_once(engine: Engine) -> None:
    text = (
        HEADER
        + GOOD[0]
        + "r3,eleven,2026-11-30,c@example.org,\n"
        + "\n"
        + ",5,2026-11-30,d@x.org,\n"
    )

    first = _import(engine, text)
    again = _import(engine, text)

    assert (first.rows, first.stored, first.quarantined) == (3, 1, 2)
    assert (again.stored, again.unchanged, again.quarantined, again.already_quarantined) == (
        0,
        1,
        0,
        2,
    )
    reasons = [reason for _, _, reason in quarantined(engine)]
    assert reasons[0].startswith("row 3: score 'eleven' is not a whole number")
    assert reasons[1].startswith("row 5: response_id '' is blank")
    assert len(inbox_rows(engine)) == 1
    assert "1 unchanged" in again.summary() and "(2 already were)" in again.summary()


def test_a_changed_export_updates_answers(engine: Engine) -> None:
    header = "response_id,score,submitted_at,updated_at,email\n"
    _import(engine, header + "r1,6,2026-11-30,,a@x.org\n")
    later = header + "r1,8,2026-11-30,2026-11-30T12:00:00Z,a@x.org\n"

    assert _import(engine, later).stored == 1
    assert inbox_rows(engine)[0][3] == 8


def test_columns_are_mapped(engine: Engine) -> None:
    text = "ID;NPS;Date;Mail;Plan\nx1;10;1796029200;A@X.org;Pro\n"
    mapping = (
        FieldMapping()
        .with_columns(
            {"response_id": "ID", "score": "NPS", "submitted_at": "Date", "email": "Mail"}
        )
        .model_copy(update={"properties": ("Plan",)})
    )

    assert _import(engine, text, mapping=mapping, delimiter=";").stored == 1


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("id,score\n1,2\n", "'response_id', 'submitted_at' not in the header"),
    ],
)
def test_a_file_that_does_not_fit_is_refused_before_anything_is_stored(
    engine: Engine, text: str, problem: str
) -> None:
    with pytest.raises(ImportRefused, match=problem):
        _import(engine, text)
    assert inbox_rows(engine) == []


def test_broken_csv_and_ragged_rows_cost_only_their_row(engine: Engine) -> None:
    huge = "x" * 200_000  # over the csv module's cell limit
    text = (
        HEADER
        + f"r1,9,2026-11-30,a@x.org,{huge}\n"
        + "r2,8,2026-11-30,b@x.org,ok,extra,cells\n"
        + 'r3,7,2026-11-30,c@x.org,"open quote\n'
    )

    result = _import(engine, text)

    assert result.stored == 1  # r2: extra cells are kept in the payload, not fatal
    assert result.quarantined == 2
    assert all(reason.startswith("row ") for _, _, reason in quarantined(engine))


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_the_file_is_streamed_one_batch_at_a_time(engine: Engine) -> None:
    pulled = 0

    def lines() -> Iterator[str]:
        nonlocal pulled
        yield HEADER
        for i in range(2_500):
            pulled += 1
            yield f"r{i},{i % 11},2026-11-30T09:00:00Z,p{i}@example.org,\n"

    seen: list[int] = []
    result = import_csv(
        engine,
        "export",
        lines(),
        FieldMapping(),
        now=NOW,
        batch_rows=500,
        on_batch=lambda progress: seen.append(pulled - progress.rows),
    )

    assert result.rows == result.stored == 2_500
    assert max(seen) <= 1  # never more than the batch stored (+1 to learn a batch ended) was read


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "syncd.toml"
    path.write_text(
        f"""
[daemon]
data_dir = "{tmp_path / "data"}"
[sources.delighted]
kind = "delighted"
api_key = "k"
[crm]
kind = "hubspot"
access_token = "t"
[imports.legacy]
response_id = "Response"
score = "NPS"
submitted_at = "When"
""",
        encoding="utf-8",
    )
    return path


def test_the_command_prints_one_summary_line_and_reruns_cleanly(tmp_path: Path) -> None:
    config = _config(tmp_path)
    data = tmp_path / "export.csv"
    data.write_text(
        "\ufeffResponse,NPS,When,email\nA-1,9,2026-11-30,a@x.org\nA-2,99,2026-11-30,b@x.org\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    args = ["import", str(data), "--source", "legacy", "--config", str(config)]

    first = runner.invoke(app, args)
    again = runner.invoke(app, args)

    assert first.exit_code == 0, first.output
    assert first.stdout.strip().endswith(
        "2 row(s) read, 1 stored or updated, 0 unchanged, 1 quarantined"
    )
    assert "0 stored or updated, 1 unchanged, 0 quarantined (1 already were)" in again.stdout


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        (["--source", "nowhere"], "name a [sources.<name>] or an [imports.<name>] table"),
        (["--source", "delighted"], "not in the header"),
        (["--source", "legacy", "--map", "score"], "expected field=column"),
        (["--source", "legacy", "--map", "colour=x"], "--map"),
        (["--source", "legacy", "--delimiter", ";;"], "one character"),
    ],
)
def test_the_command_refuses_with_usage_status(
    tmp_path: Path, extra: list[str], problem: str
) -> None:
    data = tmp_path / "export.csv"
    data.write_text("Response,NPS,When\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["import", str(data), "--config", str(_config(tmp_path)), *extra]
    )
    assert result.exit_code == 2
    assert problem in result.stderr


def test_the_command_maps_columns_on_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "export.csv"
    data.write_text("Id,Score,Date,Mail\n1,7,2026-11-30,m@x.org\n", encoding="utf-8")
    maps = [
        "--map",
        "response_id=Id",
        "--map",
        "score=Score",
        "--map",
        "submitted_at=Date",
        "--map",
        "email=Mail",
    ]
    args = ["import", str(data), "--source", "delighted", "--config", str(_config(tmp_path)), *maps]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "1 stored" in result.stdout
