"""The HubSpot fake's chaos mode: every fault kind, seeded, and only on the paths asked for."""

from __future__ import annotations

import json
import time

import pytest

from connectors.crm.hubspot.fake import HubSpotFake
from connectors.crm.hubspot.fake.chaos import KINDS, ChaosMode
from syncd.sandbox.http import Request, Response

AUTH = {"authorization": "Bearer sandbox-token"}


def _upsert(key: str) -> Request:
    body = {
        "inputs": [
            {
                "idProperty": "nps_task_key",
                "id": key,
                "properties": {"nps_task_key": key, "hs_task_subject": "Call back"},
            }
        ]
    }
    return Request(
        "POST", "/crm/v3/objects/tasks/batch/upsert", {}, AUTH, json.dumps(body).encode()
    )


def _fake(kind: str) -> HubSpotFake:
    fake = HubSpotFake()
    fake.set_up()
    fake.chaos(ChaosMode(1.0, kinds=[kind], hang_seconds=0.05, retry_after=2))
    return fake


@pytest.mark.parametrize(
    ("kind", "status", "dropped", "written"),
    [
        ("429_retry_after", 429, False, 0),
        ("429_bare", 429, False, 0),
        ("429_secondly", 429, False, 0),
        ("5xx_after", 500, False, 1),
        ("reset", 503, True, 0),
        ("reset_after", 503, True, 1),
        ("timeout", 504, False, 0),
    ],
)
def test_each_fault_kind_answers_as_hubspot_and_writes_or_not(
    kind: str, status: int, dropped: bool, written: int
) -> None:
    fake = _fake(kind)
    response = fake(_upsert("k1"))
    assert (response.status, response.drop, len(fake.tasks())) == (status, dropped, written)


def test_rate_limit_bodies_carry_both_policies_and_the_header_only_when_asked() -> None:
    answers: dict[str, Response] = {k: _fake(k)(_upsert("k")) for k in KINDS if "429" in k}
    assert answers["429_retry_after"].headers["Retry-After"] == "2"
    assert "Retry-After" not in answers["429_bare"].headers
    assert answers["429_bare"].body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert answers["429_secondly"].body["policyName"] == "SECONDLY"


def test_a_slow_commit_lands_after_the_hang_and_answers_normally() -> None:
    fake = _fake("slow_commit")
    started = time.monotonic()
    response = fake(_upsert("k1"))
    assert time.monotonic() - started >= 0.05
    assert response.status == 200 and len(fake.tasks()) == 1


def test_server_errors_vary_and_are_not_processed() -> None:
    fake = _fake("5xx")
    statuses = {fake(_upsert(f"k{n}")).status for n in range(40)}
    assert statuses == {500, 502, 503, 504} and not fake.tasks()


def test_the_same_seed_draws_the_same_faults_and_every_kind_once_a_round() -> None:
    def draws(seed: int) -> list[str | None]:
        mode = ChaosMode(0.5, seed=seed)
        return [(d.kind if d else None) for d in map(mode.draw, ["/crm/v3/objects/x"] * 200)]

    first = draws(1)
    assert first == draws(1) != draws(2)
    drawn = [kind for kind in first if kind]
    assert 70 < len(drawn) < 130
    assert sorted(drawn[: len(KINDS)]) == sorted(KINDS)


def test_other_paths_and_no_chaos_are_served_normally() -> None:
    mode = ChaosMode(1.0, paths=["/tasks/"])
    assert mode.draw("/crm/v3/owners/") is None
    fake = HubSpotFake()
    fake.set_up()
    fake.chaos(ChaosMode(1.0))
    fake.chaos(None)
    assert fake(_upsert("k1")).status == 200


def test_unknown_kinds_are_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="timeout"):
        ChaosMode(0.2, kinds=["teapot"])
