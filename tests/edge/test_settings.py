"""Both connectors' settings extend the shared base and keep every option name and default."""

from __future__ import annotations

import pydantic
import pytest

from connectors.crm.hubspot.settings import HubSpotSettings
from connectors.sources.delighted.settings import DelightedSettings
from syncd.edge.retry_policy import InlineRetry
from syncd.edge.settings import HttpSettings


def test_both_connectors_extend_the_shared_base() -> None:
    assert issubclass(DelightedSettings, HttpSettings)
    assert issubclass(HubSpotSettings, HttpSettings)


def test_defaults_are_unchanged() -> None:
    delighted = DelightedSettings(api_key="key")
    hubspot = HubSpotSettings(access_token="token")

    assert (delighted.base_url, delighted.timeout_seconds) == ("https://api.delighted.com/v1", 30)
    assert (hubspot.base_url, hubspot.timeout_seconds) == ("https://api.hubapi.com", 30)
    assert (delighted.max_retries, delighted.requests_per_second) == (4, 2)
    limits = (hubspot.read_retries, hubspot.burst_limit(), hubspot.search_per_second)
    assert limits == (3, 152, 4)  # 80% of the Professional tier's 190 per 10 s
    assert HubSpotSettings(access_token="token", tier="starter").burst_limit() == 80
    assert HubSpotSettings(access_token="token", ten_second_limit=50).burst_limit() == 50


def test_each_connector_builds_its_retry_policy_from_its_own_options() -> None:
    assert DelightedSettings(api_key="key", max_retries=2).inline_retry() == InlineRetry(
        attempts=3, backoff_base=1.0, backoff_max=30.0, max_inline_wait=60.0
    )
    assert HubSpotSettings(access_token="token", read_retries=0).inline_retry() == InlineRetry(
        attempts=1, backoff_base=0.5, backoff_max=10.0, max_inline_wait=10.0
    )


@pytest.mark.parametrize("model", [DelightedSettings, HubSpotSettings])
def test_the_base_checks_url_and_timeout_and_forbids_unknown_keys(
    model: type[HttpSettings],
) -> None:
    secret = {"api_key": "key"} if model is DelightedSettings else {"access_token": "token"}
    for bad in ({"base_url": "ftp://x"}, {"timeout_seconds": 0}, {"timeout_secs": 5}):
        with pytest.raises(pydantic.ValidationError):
            model.model_validate(secret | bad)
    assert model.model_validate(secret | {"base_url": "http://h:1/v1/"}).base_url == "http://h:1/v1"


def test_the_base_alone_is_not_a_connector() -> None:
    with pytest.raises(TypeError):
        HttpSettings(base_url="https://api.example.com")  # type: ignore[abstract]
