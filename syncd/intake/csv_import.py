"""``syncd import``: a CSV export of any survey tool into the inbox, row by row, in batches.

The file is read as a stream: one batch of rows is held at a time, so a file of millions of rows
costs the memory of one batch. Each batch is stored by ``keep_page`` in its own transaction, so
the inbox dedupes as for polling (an import run twice, or an answer polled too, is stored once)
and bad rows go to the quarantine with their row number and reason, once.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice

from sqlalchemy import Engine

from syncd.clock import to_ms
from syncd.intake.kept import keep
from syncd.intake.mapping import FieldMapping, map_record
from syncd.model import Rejected, SourcePage, SurveyResponse

#: Rows stored per transaction.
BATCH_ROWS = 500


class ImportRefused(Exception):
    """The file cannot be imported as asked (a mapped column is missing); nothing was stored."""


@dataclass(slots=True)
class ImportResult:
    """What one import did; every data row is counted once in stored, unchanged or quarantined.

    ``quarantined`` counts rows newly set aside; a bad row already in the quarantine (a second
    run of the same file) is counted in ``already_quarantined``.
    """

    source: str
    rows: int = 0
    stored: int = 0
    unchanged: int = 0
    quarantined: int = 0
    already_quarantined: int = 0

    def summary(self) -> str:
        """One line for the operator."""
        return (
            f"source {self.source}: {self.rows} row(s) read, {self.stored} stored or updated, "
            f"{self.unchanged} unchanged, {self.quarantined} quarantined"
            + (f" ({self.already_quarantined} already were)" if self.already_quarantined else "")
        )


def import_csv(
    engine: Engine,
    source: str,
    lines: Iterable[str],
    mapping: FieldMapping,
    *,
    now: datetime,
    delimiter: str = ",",
    batch_rows: int = BATCH_ROWS,
    on_batch: Callable[[ImportResult], None] | None = None,
) -> ImportResult:
    """Import every row of ``lines`` (an open text file, header first) as answers of ``source``."""
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    header = _header(reader, mapping)
    result = ImportResult(source)
    records = _records(reader, header)
    while batch := list(islice(records, batch_rows)):
        page = _page(source, batch, mapping, now)
        with engine.begin() as conn:
            kept = keep(conn, page, to_ms(now))
        result.rows += len(batch)
        result.stored += kept.stored
        result.unchanged += kept.unchanged
        result.quarantined += kept.quarantined
        result.already_quarantined += kept.already_quarantined
        if on_batch is not None:
            on_batch(result)
    return result


def _header(reader: Iterator[list[str]], mapping: FieldMapping) -> list[str]:
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise ImportRefused("the file is empty: expected a header row") from None
    except csv.Error as error:
        raise ImportRefused(f"the header row is not readable CSV: {error}") from None
    required = (mapping.response_id, mapping.score, mapping.submitted_at)
    missing = [column for column in required if column not in header]
    if missing:
        raise ImportRefused(
            f"column(s) {', '.join(map(repr, missing))} not in the header "
            f"({', '.join(header)}); map them with --map field=column"
        )
    return header


#: A row: its spreadsheet row number (the header is row 1) and its cells by column, or the
#: reason it could not be read at all.
Row = tuple[int, Mapping[str, object] | str]


def _records(reader: Iterator[list[str]], header: Sequence[str]) -> Iterator[Row]:
    number = 1
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:  # an unclosed quote, a cell over the size limit...
            yield number, f"not readable CSV ({error})"
            continue
        if not any(cell.strip() for cell in cells):
            continue  # a blank line is no answer, but it is a row of the sheet
        yield number, _cells(header, cells)


def _cells(header: Sequence[str], cells: Sequence[str]) -> dict[str, object]:
    row: dict[str, object] = dict(zip(header, cells, strict=False))
    if len(cells) > len(header):
        row["_extra_cells"] = list(cells[len(header) :])
    return row


def _page(source: str, batch: Sequence[Row], mapping: FieldMapping, now: datetime) -> SourcePage:
    responses: list[SurveyResponse] = []
    rejected: list[Rejected] = []
    for number, row in batch:
        if isinstance(row, str):
            payload = json.dumps({"_row": number, "error": row}, sort_keys=True)
            rejected.append(Rejected(source, None, f"row {number}: {row}", payload))
            continue
        outcome = map_record(source, {**row, "_row": number}, mapping, now, where=f"row {number}: ")
        if isinstance(outcome, SurveyResponse):
            responses.append(outcome)
        else:
            rejected.append(outcome)
    return SourcePage(tuple(responses), tuple(rejected))
