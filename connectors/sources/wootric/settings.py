"""Configuration of one Wootric (InMoment) account, reached with OAuth client credentials."""

from __future__ import annotations

from urllib.parse import urlsplit

from pydantic import Field, SecretStr

from syncd.edge.retry_policy import InlineRetry
from syncd.edge.settings import HttpSettings
from syncd.urls import HttpBaseUrl

#: A longer Retry-After is not slept through inside one fetch; the scheduler waits instead.
MAX_INLINE_WAIT_SECONDS = 60.0
#: Wootric serves at most 50 responses a page whatever ``per_page`` asks, and refuses page
#: numbers above 30 [singer-io/tap-wootric tap_wootric/__init__.py, README.md].
MAX_PAGE_SIZE = 50
MAX_PAGE_NUMBER = 30


class WootricSettings(HttpSettings):
    """Settings for ``WootricSource``; unknown keys are an error so typos surface at startup.

    EU and AU accounts (token ``NPS-EU…``/``NPS-AU…``) use ``api.wootric.eu``/``.au``
    [docs.wootric.com/api].
    """

    base_url: HttpBaseUrl = "https://api.wootric.com/v1"
    #: Where tokens come from; by default ``/oauth/token`` on the API's host.
    token_url: HttpBaseUrl | None = None
    client_id: SecretStr = Field(min_length=1)
    client_secret: SecretStr = Field(min_length=1)
    page_size: int = Field(default=MAX_PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE)
    #: Responses can be filtered on creation only (the tap's finding), so each fetch re-reads
    #: this many days before its window; ``updated_at`` then tells what changed. Each pass costs
    #: about one request per 50 responses created in it.
    lookback_days: float = Field(default=7, ge=0, le=90)
    #: Also list by ``updated[gt]``/``updated[lt]``: only a third-party description of the API
    #: lists that filter on responses, so it is off until verified on a live account.
    updated_filter: bool = False
    max_window_days: float = Field(default=7, gt=0)
    #: A listing stops after this many requests; it continues on the next pass.
    max_pages: int = Field(default=300, ge=1)
    #: A token is renewed this long before the ``expires_in`` it came with runs out.
    token_margin_seconds: float = Field(default=300, ge=0)
    #: End users looked up by id are remembered, up to this many.
    end_user_cache_size: int = Field(default=10_000, ge=0)
    request_deadline_seconds: float = Field(default=120, gt=0)
    #: Wootric publishes no number (a third-party page says 100 a minute); stay under it.
    requests_per_second: float = Field(default=1.5, gt=0)
    max_retries: int = Field(default=4, ge=0, le=10)
    #: The secret of Wootric's Outgoing Webhooks settings: deliveries are signed with
    #: ``X-Wootric-Signature: sha1=<hex HMAC-SHA1>`` [docs.wootric.com/webhooks]. Unset: refused.
    webhook_secret: SecretStr | None = Field(default=None, min_length=1)

    def resolved_token_url(self) -> str:
        """``token_url``, or ``/oauth/token`` on the host of ``base_url``."""
        if self.token_url is not None:
            return self.token_url
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}/oauth/token"

    def inline_retry(self) -> InlineRetry:
        """Backoff 1, 2, 4 ... 30 s between the ``max_retries`` retries."""
        return InlineRetry(
            attempts=self.max_retries + 1,
            backoff_base=1.0,
            backoff_max=30.0,
            max_inline_wait=MAX_INLINE_WAIT_SECONDS,
        )
