"""Configuration of one Delighted project (each CX project has its own API key)."""

from __future__ import annotations

from pydantic import Field, SecretStr

from syncd.edge.retry_policy import InlineRetry
from syncd.edge.settings import HttpSettings
from syncd.urls import HttpBaseUrl

#: A longer Retry-After is not slept through inside one fetch; the scheduler waits instead.
MAX_INLINE_WAIT_SECONDS = 60.0


class DelightedSettings(HttpSettings):
    """Settings for ``DelightedSource``; unknown keys are an error so typos surface at startup."""

    base_url: HttpBaseUrl = "https://api.delighted.com/v1"
    api_key: SecretStr = Field(min_length=1)
    page_size: int = Field(default=100, ge=1, le=100)
    survey_types: tuple[str, ...] = Field(default=("nps",), min_length=1)
    max_window_days: float = Field(default=7, gt=0)
    #: Longest one request may take as a whole, body included: the timeout above bounds each
    #: read, so a server trickling its answer a byte at a time would otherwise hold the pass.
    request_deadline_seconds: float = Field(default=120, gt=0)
    #: Delighted publishes no number, so stay polite.
    requests_per_second: float = Field(default=2, gt=0)
    #: Transient retries inside one fetch (429, 5xx, timeouts) before giving up to the scheduler.
    max_retries: int = Field(default=4, ge=0, le=10)

    def inline_retry(self) -> InlineRetry:
        """Backoff 1, 2, 4 ... 30 s between the ``max_retries`` retries."""
        return InlineRetry(
            attempts=self.max_retries + 1,
            backoff_base=1.0,
            backoff_max=30.0,
            max_inline_wait=MAX_INLINE_WAIT_SECONDS,
        )
