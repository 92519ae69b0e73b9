"""The field checks every survey source shares: times, text, ids and addresses."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from syncd.edge.values import (
    clean_text,
    email_address,
    identifier,
    in_range,
    iso_time,
    json_type,
    payload,
    storable,
)

NOW = datetime(2026, 12, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-06-01T10:00:00Z", datetime(2026, 6, 1, 10, tzinfo=UTC)),
        ("2026-06-01T10:00:00+02:00", datetime(2026, 6, 1, 8, tzinfo=UTC)),
        ("2026-06-01T10:00:00", datetime(2026, 6, 1, 10, tzinfo=UTC)),  # no offset: UTC
    ],
)
def test_iso_time_reads_utc_and_offsets(value: str, expected: datetime) -> None:
    assert iso_time(value, "at", NOW) == expected


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, "at None is not an ISO-8601 time"),
        (1_717_200_000, "is not an ISO-8601 time"),
        ("yesterday", "at 'yesterday' is not an ISO-8601 time"),
        ("2" * 41, "is not an ISO-8601 time"),
        ("2034-01-01T00:00:00Z", "(2034-01-01 00:00) is in the future"),
        ("1999-12-31T00:00:00Z", "(1999-12-31) is before 2000"),
    ],
)
def test_iso_time_refuses_what_is_no_usable_time(value: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        iso_time(value, "at", NOW)


def test_a_source_sets_its_own_earliest_time() -> None:
    earliest = datetime(2012, 1, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="is before 2012"):
        iso_time("2011-06-01T00:00:00Z", "at", NOW, earliest)
    moment = datetime(2011, 6, 1, tzinfo=UTC)
    assert in_range(moment, "at", "x", NOW) == moment  # the default lets 2011 through


def test_clean_text_cuts_only_when_asked() -> None:
    text = "a\x00b\ud800" + "c" * 50
    assert clean_text(text) == "ab\ufffd" + "c" * 50
    assert clean_text(text, 4) == "ab\ufffdc"


def test_storable_refuses_nul_and_lone_surrogates() -> None:
    assert storable("plain é")
    assert not storable("a\x00")
    assert not storable("\udfff")


def test_identifier_and_address_refuse_what_a_store_cannot_keep() -> None:
    assert identifier(42, "id") == "42"
    with pytest.raises(ValueError, match="expected text or a number"):
        identifier(["x"], "id")
    assert email_address("  Ann@Example.ORG ") == "ann@example.org"
    assert email_address("ann@example") is None
    assert email_address("a\x00n@example.org") is None


def test_payload_is_the_same_text_for_the_same_record_whatever_it_holds() -> None:
    assert payload({"b": "\u00e9", "a": 1}) == '{"a": 1, "b": "\\u00e9"}'
    looped: list[object] = []
    looped.append(looped)
    assert payload(looped) == '"<list that cannot be written as JSON>"'
    assert payload(datetime(2026, 1, 1)) == '"2026-01-01 00:00:00"'


def test_json_type_names_what_a_record_is_instead_of_an_object() -> None:
    values: list[object] = [[], "x", 1, 1.5, True, None]
    assert [json_type(v) for v in values] == [
        "array",
        "string",
        "number",
        "number",
        "boolean",
        "null",
    ]
