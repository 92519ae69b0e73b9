"""One store serves one CRM: the first daemon binds it, a daemon for another CRM is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from syncd.store import outbox
from syncd.store.crm_binding import CrmIdentity, StoreOfAnotherCrm, bind_crm, served_crm
from syncd.store.outbox import ActionKind, NewAction
from tests.bodies import body

HUBSPOT = CrmIdentity("hubspot-eu", "hubspot")


def test_the_first_daemon_binds_the_store_and_the_same_crm_starts_again(engine: Engine) -> None:
    with engine.begin() as conn:
        assert served_crm(conn) is None
        bind_crm(conn, HUBSPOT, 1)
        bind_crm(conn, HUBSPOT, 2)
        assert served_crm(conn) == HUBSPOT


@pytest.mark.parametrize(
    "other", [CrmIdentity("hubspot-us", "hubspot"), CrmIdentity("hubspot-eu", "salesforce")]
)
def test_a_daemon_for_another_crm_is_refused_naming_both(
    engine: Engine, other: CrmIdentity
) -> None:
    with engine.begin() as conn:
        bind_crm(conn, HUBSPOT, 1)
    with engine.begin() as conn, pytest.raises(StoreOfAnotherCrm) as refused:
        bind_crm(conn, other, 2)
    message = str(refused.value)
    assert str(HUBSPOT) in message and str(other) in message
    assert "one store serves one CRM" in message
    with engine.connect() as conn:
        assert served_crm(conn) == HUBSPOT  # the refusal changed nothing


def test_a_store_from_before_the_binding_is_bound_unless_its_rows_name_another_crm(
    engine: Engine,
) -> None:
    action = NewAction(
        key="d:r1:sync_contact",
        crm="hubspot-eu",
        source="d",
        response_id="r1",
        version=1,
        payload=body(ActionKind.SYNC_CONTACT),
    )
    with engine.begin() as conn:
        outbox.enqueue(conn, action, 0)
    with engine.begin() as conn, pytest.raises(StoreOfAnotherCrm, match="'hubspot-eu'"):
        bind_crm(conn, CrmIdentity("hubspot-us", "hubspot"), 1)
    with engine.begin() as conn:
        bind_crm(conn, HUBSPOT, 2)
        assert served_crm(conn) == HUBSPOT
