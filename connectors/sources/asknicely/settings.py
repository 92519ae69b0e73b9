"""Configuration of one AskNicely account (``https://<subdomain>.asknice.ly/api/v1``)."""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from syncd.edge.retry_policy import InlineRetry
from syncd.edge.settings import HttpSettings
from syncd.urls import HttpBaseUrl

#: A longer Retry-After is not slept through inside one fetch; the scheduler waits instead.
MAX_INLINE_WAIT_SECONDS = 60.0
#: AskNicely's documented maximum page size [demo.asknice.ly/help/apidocs/responses].
MAX_PAGE_SIZE = 50_000


class AskNicelySettings(HttpSettings):
    """Settings for ``AskNicelySource``; unknown keys are an error so typos surface at startup.

    ``base_url`` has no default: every account has its own host.
    """

    base_url: HttpBaseUrl
    #: One key per AskNicely user; a dedicated API user keeps the integration alive when people
    #: leave [asknicely.asknice.ly/help/apidocs/auth].
    api_key: SecretStr = Field(min_length=1)
    page_size: int = Field(default=1000, ge=1, le=MAX_PAGE_SIZE)
    #: AskNicely has no "updated since" filter: every fetch re-reads this many days before its
    #: window so a comment or score changed later is seen (and told apart by its content).
    lookback_days: float = Field(default=14, ge=0, le=90)
    max_window_days: float = Field(default=7, gt=0)
    #: The custom contact field holding the company's id for the respondent (``_c`` suffix).
    external_id_field: str = Field(default="customer_id_c", min_length=1)
    #: Which question types count as NPS answers (``question_type``; others are skipped).
    question_types: tuple[str, ...] = Field(default=("nps",), min_length=1)
    #: A listing stops after this many pages; it continues on the next pass.
    max_pages: int = Field(default=200, ge=1)
    #: Large result sets come as a redirect to a temporary file; its body is read up to this.
    max_file_bytes: int = Field(default=256 * 1024 * 1024, ge=1024)
    request_deadline_seconds: float = Field(default=300, gt=0)
    #: AskNicely allows 200 requests per 10 s and 1000 per 60 s; stay well inside both.
    requests_per_second: float = Field(default=5, gt=0)
    max_retries: int = Field(default=4, ge=0, le=10)
    #: AskNicely webhooks carry no signature, only static headers set in its webhook settings:
    #: deliveries must carry ``webhook_header`` with this value. Unset: webhooks are refused.
    webhook_secret: SecretStr | None = Field(default=None, min_length=24)
    webhook_header: str = Field(default="X-Syncd-Webhook-Secret", min_length=1, max_length=100)

    @field_validator("webhook_header")
    @classmethod
    def _header_name(cls, value: str) -> str:
        if not all(ch.isalnum() or ch == "-" for ch in value):
            raise ValueError("a header name holds only letters, digits and dashes")
        return value

    def inline_retry(self) -> InlineRetry:
        """Backoff 1, 2, 4 ... 30 s between the ``max_retries`` retries."""
        return InlineRetry(
            attempts=self.max_retries + 1,
            backoff_base=1.0,
            backoff_max=30.0,
            max_inline_wait=MAX_INLINE_WAIT_SECONDS,
        )
