"""Hypothesis strategies for Delighted survey responses: realistic ones and hostile ones.

Hostile means what a vendor, a proxy or an import can put on the wire: wrong types, blanks,
lone surrogates and NUL bytes, huge strings, times far in the future or before 2000, missing
fields, ids repeated across items, items that are not objects at all.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
NOW_UNIX = int(NOW.timestamp())
_MISSING = object()
_surrogates = st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF)

hostile_text = st.one_of(
    st.sampled_from(["", "   ", "\ud800", "a\udfffb", "nul\x00", "\t\n", "é", "🙂"]),
    st.text(min_size=1, max_size=20),
    st.text(alphabet=st.one_of(st.characters(), _surrogates), min_size=1, max_size=10),
    st.builds(lambda n: "x" * n, st.integers(min_value=190, max_value=5000)),
)
odd_values = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)

response_ids = st.one_of(
    st.integers(min_value=1, max_value=10**12).map(str),
    st.integers(min_value=-5, max_value=10**15),
    st.sampled_from(["1", "2", "3"]),  # repeats across a page
    hostile_text,
    odd_values,
)
survey_types = st.one_of(
    st.sampled_from(["nps", "NPS", "nps ", " Nps", "ces", "csat", "enps", "", _MISSING]),
    hostile_text,
    odd_values,
)
scores = st.one_of(
    st.integers(min_value=0, max_value=10),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.sampled_from(["7", "ten", 7.0, 7.5]),
    odd_values,
    st.just(_MISSING),
)
unix_times = st.one_of(
    st.integers(min_value=NOW_UNIX - 400 * 86400, max_value=NOW_UNIX),  # the usual
    st.integers(min_value=NOW_UNIX + 2 * 86400, max_value=NOW_UNIX + 10**9),  # future
    st.integers(min_value=-(10**12), max_value=946_684_799),  # before 2000
    st.integers(min_value=NOW_UNIX - 86400, max_value=NOW_UNIX).map(str),
    st.sampled_from([10**20, "yesterday", "", "1e9"]),
    odd_values,
)
emails = st.one_of(
    st.sampled_from(
        [
            "dana@example.org",
            " Dana.K+nps@Mail.Example.co.uk ",
            "n/a",
            "a@b",
            "a@b@c.example",
            "@example.org",
            "a b@example.org",
            "dana\ud800@example.org",
            "dana\x00@example.org",
            "x" * 300 + "@example.org",
        ]
    ),
    st.emails().map(str),
    hostile_text,
    odd_values,
)
people = st.one_of(
    st.fixed_dictionaries({"id": response_ids, "email": emails}),
    st.fixed_dictionaries({}, optional={"email": emails, "id": response_ids}),
    response_ids,
    st.just(_MISSING),
)
comments = st.one_of(st.none(), hostile_text, odd_values, st.integers())
properties = st.one_of(
    st.fixed_dictionaries({}, optional={"customer_id": hostile_text, "plan": hostile_text}),
    odd_values,
)


@st.composite
def records(draw: st.DrawFn) -> object:
    """One item of a listing page, mostly a response object, sometimes not an object at all."""
    if draw(st.integers(min_value=0, max_value=30)) == 0:
        return draw(st.one_of(hostile_text, odd_values))
    fields: dict[str, Any] = {
        "id": draw(response_ids),
        "survey_type": draw(survey_types),
        "score": draw(scores),
        "created_at": draw(unix_times),
        "updated_at": draw(st.one_of(st.none(), unix_times, st.just(_MISSING))),
        "person": draw(people),
        "comment": draw(comments),
        "permalink": draw(st.one_of(st.none(), hostile_text, st.integers())),
        "person_properties": draw(properties),
    }
    return {key: value for key, value in fields.items() if value is not _MISSING}


pages = st.lists(records(), min_size=1, max_size=12)
