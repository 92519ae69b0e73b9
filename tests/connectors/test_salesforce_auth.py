"""Signing in to the sandbox org with each OAuth flow simple-salesforce offers."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from connectors.crm.salesforce import SalesforceSettings
from connectors.crm.salesforce.fake import SalesforceFake
from connectors.crm.salesforce.fake.auth import Credentials
from syncd.errors import CrmAuthError
from syncd.model import EMAIL
from tests.connectors.salesforce_kit import served

KNOWN = Credentials(security_token="tok3n")


def _private_key() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


@pytest.mark.parametrize(
    "flow",
    [
        {"consumer_secret": KNOWN.consumer_secret},
        {"username": KNOWN.username, "private_key": _private_key(), "consumer_secret": None},
        {
            "username": KNOWN.username,
            "password": KNOWN.password,
            "security_token": KNOWN.security_token,
        },
    ],
    ids=["client_credentials", "jwt", "password"],
)
def test_each_flow_signs_in(flow: dict[str, object]) -> None:
    fake = SalesforceFake(KNOWN)
    contact = fake.add_contact("ann@example.com")
    with served(fake, **flow) as (crm, _):
        assert crm.find_contacts(EMAIL, ["ann@example.com"])["ann@example.com"].id == contact
    assert fake.sessions.logins == 1


@pytest.mark.parametrize(
    "flow",
    [
        {"consumer_secret": "wrong-secret-value"},
        {"username": "someone@else.example", "private_key": _private_key()},
        {"username": KNOWN.username, "password": "wrong-secret-value"},
    ],
    ids=["client_credentials", "jwt", "password"],
)
def test_a_refused_sign_in_is_an_auth_error_without_the_secret(flow: dict[str, object]) -> None:
    with served(SalesforceFake(KNOWN), **flow) as (crm, _), pytest.raises(CrmAuthError) as raised:
        crm.find_contacts(EMAIL, ["ann@example.com"])
    assert "wrong-secret-value" not in str(raised.value)
    assert "BEGIN PRIVATE KEY" not in str(raised.value)


def test_building_the_connector_sends_nothing() -> None:
    fake = SalesforceFake(KNOWN)
    with served(fake):
        pass
    assert fake.requests == [] and fake.sessions.logins == 0


@pytest.mark.parametrize(
    ("values", "fragment"),
    [
        ({}, "private_key"),
        ({"private_key": "k"}, "username"),
        ({"consumer_secret": "s", "username": "u"}, "password"),
    ],
)
def test_an_incomplete_flow_is_a_config_error(values: dict[str, str], fragment: str) -> None:
    base = {"base_url": "https://acme.my.salesforce.com", "consumer_key": "k"}
    with pytest.raises(ValidationError, match=fragment):
        SalesforceSettings.model_validate(base | values)


def test_the_my_domain_is_the_login_domain() -> None:
    settings = SalesforceSettings.model_validate(
        {"base_url": "https://acme.my.salesforce.com", "consumer_key": "k", "consumer_secret": "s"}
    )
    assert settings.domain() == "acme.my" and settings.flow() == "client_credentials"
