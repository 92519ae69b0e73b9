"""Route templates carry no ids; outcomes are classes; a failing observer never fails a call."""

from __future__ import annotations

import pytest

from syncd.edge.rate_headers import RateHeaders
from syncd.edge.traffic import Exchange, Traffic, endpoint_of, outcome_of


@pytest.mark.parametrize(
    ("url", "endpoint"),
    [
        (
            "https://api.hubapi.com/crm/v3/objects/tasks/batch/upsert",
            "crm.objects.tasks.batch.upsert",
        ),
        (
            "http://127.0.0.1:1/crm/v3/objects/contacts/12345?idProperty=x",
            "crm.objects.contacts.id",
        ),
        ("/crm/v3/objects/contacts/ann@example.com", "crm.objects.contacts.id"),
        (
            "/crm/v4/associations/tasks/contacts/batch/associate/default",
            "crm.associations.tasks.contacts.batch.associate.default",
        ),
        (
            "/services/data/v59.0/sobjects/Contact/003B000000abcdEFGH",
            "services.data.sobjects.Contact.id",
        ),
        ("/crm/v3/objects/0-1/4f1c2d3e-aaaa-bbbb-cccc-123456789abc", "crm.objects.id.id"),
        ("/" + "a/" * 20, "a.a.a.a.a.a.a.a"),
        ("", "root"),
        ("/x" * 1 + "/" + "z" * 500, "x.id"),
    ],
)
def test_endpoint_templates_keep_words_and_replace_ids(url: str, endpoint: str) -> None:
    assert endpoint_of(url) == endpoint


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, "2xx"),
        (207, "2xx"),
        (301, "3xx"),
        (400, "4xx"),
        (404, "4xx"),
        (429, "429"),
        (500, "5xx"),
        (503, "5xx"),
        (999, "5xx"),
        (None, "network"),
    ],
)
def test_outcomes_are_classes(status: int | None, outcome: str) -> None:
    assert outcome_of(status) == outcome


def test_every_observer_hears_each_exchange_and_a_broken_one_is_ignored() -> None:
    traffic = Traffic()
    heard: list[Exchange] = []

    def broken(_exchange: Exchange) -> None:
        raise RuntimeError("metrics are down")

    traffic.subscribe(broken)
    traffic.subscribe(heard.append)
    exchange = Exchange("crm.owners", "2xx", RateHeaders(daily_remaining=5))
    traffic.report(exchange)
    assert heard == [exchange]
