"""Configuration of one HubSpot portal (a private app's access token and our traffic shape)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from syncd.edge.retrying import InlineRetry
from syncd.edge.settings import HttpSettings
from syncd.urls import HttpBaseUrl

#: Waits longer than this go back to the daemon's scheduler instead of blocking a call.
MAX_INLINE_WAIT_SECONDS = 10.0


class HubSpotFieldNames(BaseModel):
    """Property names syncd writes.

    Contact fields: an empty name disables that field. ``task_key`` is the task property that
    holds each task's idempotency key; it must exist with unique values (``hasUniqueValue``).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    score: str = "nps_score"
    category: str = "nps_category"
    comment: str = "nps_comment"
    responded_at: str = "nps_last_response_at"
    link: str = "nps_response_link"
    survey: str = "nps_survey"
    source: str = "nps_source"
    #: Created by ``syncd crm setup`` for reports and workflows; syncd does not write it yet.
    loop_closed_at: str = "nps_loop_closed_at"
    #: Task creation is an upsert on this property, so a repeated create finds its task.
    task_key: str = Field(default="nps_task_key", min_length=1)


class HubSpotSettings(HttpSettings):
    """Settings for ``HubSpotCrm``; unknown keys are an error so typos surface at startup."""

    base_url: HttpBaseUrl = "https://api.hubapi.com"
    access_token: SecretStr = Field(min_length=1)
    fields: HubSpotFieldNames = HubSpotFieldNames()
    #: About 80% of the 190 per rolling 10 s of Professional/Enterprise private apps.
    ten_second_limit: int = Field(default=150, ge=1)
    #: Search has its own limit of 5 requests/s per account.
    search_per_second: float = Field(default=4, gt=0)
    #: Inline retries for calls that are safe to repeat (reads, search, updates) and for 429s.
    read_retries: int = Field(default=3, ge=0, le=10)

    def inline_retry(self) -> InlineRetry:
        """Backoff 0.5, 1, 2 ... 10 s between the ``read_retries`` retries."""
        return InlineRetry(
            attempts=self.read_retries + 1,
            backoff_base=0.5,
            backoff_max=MAX_INLINE_WAIT_SECONDS,
            max_inline_wait=MAX_INLINE_WAIT_SECONDS,
        )
