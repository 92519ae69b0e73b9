"""Configuration of one Salesforce org: where it is, how syncd signs in, and its traffic shape."""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator

from connectors.crm.salesforce.fields import RollupFieldNames, SalesforceFieldNames
from syncd.edge.retry_policy import InlineRetry
from syncd.edge.settings import HttpSettings
from syncd.urls import HttpBaseUrl

#: Waits longer than this go back to the daemon's scheduler instead of blocking a call.
MAX_INLINE_WAIT_SECONDS = 10.0
AuthFlow = Literal["jwt", "client_credentials", "password"]


class SalesforceSettings(HttpSettings):
    """Settings for ``SalesforceCrm``; unknown keys are an error so typos surface at startup.

    ``base_url`` is the org's My Domain URL (``https://acme.my.salesforce.com``); the token
    endpoint is on the same host. The flow is chosen by the keys given: ``private_key`` (or
    ``private_key_file``) with ``username`` is the JWT bearer flow; ``consumer_secret`` without
    ``username`` the client-credentials flow (run-as user of the app); ``username``,
    ``password`` (and ``security_token``) with the consumer key and secret the username-password
    flow, which Salesforce is retiring: keep it for trials.
    """

    base_url: HttpBaseUrl
    consumer_key: str = Field(min_length=1)
    consumer_secret: SecretStr | None = None
    username: str | None = None
    password: SecretStr | None = None
    security_token: SecretStr | None = None
    private_key: SecretStr | None = None
    private_key_file: str | None = None
    api_version: str = Field(default="62.0", pattern=r"^\d{2}\.0$")
    #: Client-side pace of calls. Salesforce publishes a daily allowance, not a rate; this keeps
    #: a backfill from spending it in a burst, and replicas on PostgreSQL share it.
    requests_per_second: float = Field(default=20, gt=0)
    fields: SalesforceFieldNames = SalesforceFieldNames()
    #: Several contacts share a respondent's email: ``skip`` reports and matches none,
    #: ``latest`` takes the most recently modified one.
    duplicate_emails: Literal["skip", "latest"] = "skip"
    #: Save through the org's duplicate rules (``Sforce-Duplicate-Rule-Header: allowSave=true``)
    #: instead of reporting ``DUPLICATES_DETECTED``.
    save_duplicates: bool = False
    #: syncd pauses delivery once the org's API usage (``Sforce-Limit-Info``) reaches this share
    #: of the daily allowance: other integrations and users share the same pool.
    daily_share: float = Field(default=0.5, gt=0, le=1)
    #: How long a pause for the allowance lasts before one call checks it again (rolling 24 h
    #: window, no reset time: Salesforce suggests polling the limits every 15-60 minutes).
    limit_pause_seconds: float = Field(default=900, gt=0)
    #: Keep NPS figures on each contact's Account: latest score, NPS over ``rollup_window_days``
    #: and open detractor follow-ups, refreshed whenever a contact or a task of it changes.
    account_rollup: bool = False
    rollup_window_days: int = Field(default=90, ge=1, le=3650)
    rollup_fields: RollupFieldNames = RollupFieldNames()
    #: Owners are listed again after this long.
    owners_ttl_seconds: float = Field(default=3600, ge=0)
    #: Inline retries for calls that are safe to repeat.
    read_retries: int = Field(default=3, ge=0, le=10)

    @model_validator(mode="after")
    def _one_flow(self) -> SalesforceSettings:
        self.flow()  # raises ValueError naming what is missing
        return self

    def flow(self) -> AuthFlow:
        """The OAuth flow the given keys select."""
        if self.private_key is not None or self.private_key_file:
            if not self.username:
                raise ValueError("the JWT bearer flow needs username (the user to act as)")
            return "jwt"
        if self.consumer_secret is None:
            raise ValueError(
                "give private_key (JWT bearer flow) or consumer_secret (client credentials, "
                "or with username and password the username-password flow)"
            )
        if self.username or self.password is not None:
            if not (self.username and self.password is not None):
                raise ValueError("the username-password flow needs both username and password")
            return "password"
        return "client_credentials"

    def domain(self) -> str:
        """simple-salesforce's ``domain``: the host before ``.salesforce.com`` (``acme.my``)."""
        host = urlsplit(self.base_url).hostname or ""
        if host.endswith(".salesforce.com"):
            return host.removesuffix(".salesforce.com")
        # Any other host is the sandbox, whose session rewrites every URL to it anyway.
        return "sandbox.my"

    def secrets(self) -> list[str]:
        """Every secret value, for redaction."""
        values = (self.consumer_secret, self.password, self.security_token, self.private_key)
        return [v.get_secret_value() for v in values if v is not None]

    def inline_retry(self) -> InlineRetry:
        """Backoff 0.5, 1, 2 ... 10 s between the ``read_retries`` retries."""
        return InlineRetry(
            attempts=self.read_retries + 1,
            backoff_base=0.5,
            backoff_max=MAX_INLINE_WAIT_SECONDS,
            max_inline_wait=MAX_INLINE_WAIT_SECONDS,
        )
