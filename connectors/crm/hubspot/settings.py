"""Configuration of one HubSpot portal (a private app's access token and our traffic shape)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from connectors.crm.hubspot.rollup_names import RollupPropertyNames
from connectors.crm.hubspot.throttle import TIERS
from syncd.edge.retry_policy import InlineRetry
from syncd.edge.settings import HttpSettings
from syncd.urls import HttpBaseUrl

Tier = Literal["free", "starter", "professional", "enterprise", "api_limit_increase"]

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
    #: When the follow-up of the contact's latest answer was completed (cleared while open);
    #: empty: not written, and neither checked nor required at startup.
    loop_closed_at: str = "nps_loop_closed_at"
    #: Task creation is an upsert on this property, so a repeated create finds its task.
    task_key: str = Field(default="nps_task_key", min_length=1)
    #: Task property whose value is the loop's outcome when the task is completed (a dropdown
    #: such as "resolved"/"no answer"); empty: a completed task whose body the owner changed
    #: counts as closed with a note.
    task_outcome: str = ""


class HubSpotSettings(HttpSettings):
    """Settings for ``HubSpotCrm``; unknown keys are an error so typos surface at startup."""

    base_url: HttpBaseUrl = "https://api.hubapi.com"
    access_token: SecretStr = Field(min_length=1)
    fields: HubSpotFieldNames = HubSpotFieldNames()
    #: With ``[crm] history_notes``: the note property (unique values) keying each answer's note.
    note_key: str = Field(default="nps_note_key", min_length=1)
    #: The portal's tier: it sets the burst (per rolling 10 s) and daily limits of the app.
    tier: Tier = "professional"
    #: Calls per rolling 10 s; unset: 80% of the tier's burst limit (152 of 190 on Professional).
    ten_second_limit: int | None = Field(default=None, ge=1)
    #: Search has its own limit of 5 requests/s per account.
    search_per_second: float = Field(default=4, gt=0)
    #: Pause every call when the daily allowance left (``X-HubSpot-RateLimit-Daily-Remaining``)
    #: falls to this share of the day's (the portal's other apps share the allowance).
    daily_reserve_fraction: float = Field(default=0.02, ge=0, lt=1)
    #: Owners are listed again after this long (at once after a create names an unknown one).
    owners_ttl_seconds: float = Field(default=3600, ge=0)
    #: Track only changes people made (status moved, or older tasks changed), not syncd's own
    #: untouched creates: one search call a read instead of one per 200 tasks created inside
    #: [tracking] overlap_seconds. A reassignment without a status change of a task younger than
    #: that window is seen at its next status change; false reads every change at once.
    track_touched_only: bool = True
    #: Inline retries for calls that are safe to repeat (reads, search, updates) and for 429s.
    read_retries: int = Field(default=3, ge=0, le=10)
    #: Keep NPS figures on each contact's primary company: latest score, NPS over
    #: ``rollup_window_days`` and open detractor follow-ups, refreshed whenever a contact or a
    #: task of it changes (``rollup.py``).
    company_rollup: bool = False
    rollup_window_days: int = Field(default=90, ge=1, le=3650)
    rollup_fields: RollupPropertyNames = RollupPropertyNames()

    @model_validator(mode="after")
    def _rollup_reads_named_fields(self) -> HubSpotSettings:
        unnamed = [f for f in ("score", "category", "responded_at") if not getattr(self.fields, f)]
        if self.company_rollup and unnamed:
            raise ValueError(f"company_rollup reads [crm.fields] {', '.join(unnamed)}: name them")
        return self

    def burst_limit(self) -> int:
        """Calls allowed per rolling 10 s: the setting, else 80% of the tier's limit."""
        if self.ten_second_limit is not None:
            return self.ten_second_limit
        return max(1, TIERS[self.tier][0] * 4 // 5)

    def inline_retry(self) -> InlineRetry:
        """Backoff 0.5, 1, 2 ... 10 s between the ``read_retries`` retries."""
        return InlineRetry(
            attempts=self.read_retries + 1,
            backoff_base=0.5,
            backoff_max=MAX_INLINE_WAIT_SECONDS,
            max_inline_wait=MAX_INLINE_WAIT_SECONDS,
        )
