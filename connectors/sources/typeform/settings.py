"""Configuration of one Typeform account: its token, the forms to read and how to read them."""

from __future__ import annotations

from pydantic import Field, SecretStr

from syncd.edge.retry_policy import InlineRetry
from syncd.edge.settings import HttpSettings
from syncd.urls import HttpBaseUrl

#: A longer Retry-After is not slept through inside one fetch; the scheduler waits instead.
MAX_INLINE_WAIT_SECONDS = 60.0
#: Typeform: "responses from roughly the last 30 minutes may be missing" from the Responses API
#: (typeform.com/developers/responses/reference/retrieve-responses/).
TYPEFORM_VISIBILITY_LAG_SECONDS = 1800.0


class TypeformSettings(HttpSettings):
    """Settings for ``TypeformSource``; unknown keys are an error so typos surface at startup."""

    #: EU accounts use https://api.eu.typeform.com or https://api.typeform.eu.
    base_url: HttpBaseUrl = "https://api.typeform.com"
    #: A personal access token or OAuth token with the ``responses:read`` scope.
    access_token: SecretStr = Field(min_length=1)
    #: The form ids to read (the part after /to/ in a form's link); one listing per form.
    forms: tuple[str, ...] = Field(min_length=1)
    #: The ``ref`` of the 0-10 question (set in the form editor; stable, unlike field ids).
    nps_ref: str = Field(min_length=1)
    #: The ``ref`` of the comment question; unset: the first text answer after the NPS one.
    comment_ref: str | None = None
    #: Hidden fields carrying the respondent (append ?email=...&customer_id=... to form links).
    email_hidden_field: str = "email"
    external_id_hidden_field: str = "customer_id"
    page_size: int = Field(default=1000, ge=1, le=1000)
    #: Polling never reads closer to "now" than this, whatever ``lag_seconds`` says.
    visibility_lag_seconds: float = Field(default=TYPEFORM_VISIBILITY_LAG_SECONDS, ge=0)
    max_window_days: float = Field(default=7, gt=0)
    request_deadline_seconds: float = Field(default=120, gt=0)
    #: Typeform allows 2 requests per second per account; every source using the same token
    #: in this process shares one limiter. 1.8 spaces calls evenly (one per 0.56 s), so network
    #: jitter cannot put a third call into Typeform's second, as two back-to-back calls could.
    requests_per_second: float = Field(default=1.8, gt=0)
    max_retries: int = Field(default=4, ge=0, le=10)
    #: The ``secret`` set on the form's webhook; without it every delivery is refused.
    webhook_secret: SecretStr | None = None

    def inline_retry(self) -> InlineRetry:
        """Backoff 1, 2, 4 ... 30 s between the ``max_retries`` retries."""
        return InlineRetry(
            attempts=self.max_retries + 1,
            backoff_base=1.0,
            backoff_max=30.0,
            max_inline_wait=MAX_INLINE_WAIT_SECONDS,
        )
