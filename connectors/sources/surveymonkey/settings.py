"""Configuration of one SurveyMonkey app: its token, the surveys to read, its request budget."""

from __future__ import annotations

from pydantic import Field, SecretStr, model_validator

from syncd.edge.retry_policy import InlineRetry
from syncd.edge.settings import HttpSettings
from syncd.urls import HttpBaseUrl

#: A longer wait is not slept through inside one fetch; the scheduler waits instead.
MAX_INLINE_WAIT_SECONDS = 60.0


class SurveyMonkeySettings(HttpSettings):
    """Settings for ``SurveyMonkeySource``; unknown keys are an error so typos surface early."""

    base_url: HttpBaseUrl = "https://api.surveymonkey.com/v3"
    #: The app's access token (a private app's own token works), scope responses_read_detail.
    access_token: SecretStr = Field(min_length=1)
    #: The survey ids to read; one listing per survey.
    surveys: tuple[str, ...] = Field(min_length=1)
    #: The NPS question's id; unset: the survey's one 0-10 rating question (11 choices).
    nps_question_id: str | None = None
    #: The comment question's id; unset: the first text answer after the NPS question.
    comment_question_id: str | None = None
    #: The custom variable carrying the respondent's id (?customer_id=... on web-link collectors).
    external_id_variable: str = "customer_id"
    page_size: int = Field(default=100, ge=1, le=100)
    #: Draft and private apps get 500 requests a day, reset at 00:00 GMT; public apps far more.
    daily_request_limit: int = Field(default=500, ge=1)
    #: Requests of the day polling leaves alone (``syncd check``, an operator's own calls).
    daily_reserve: int = Field(default=50, ge=0)
    requests_per_minute: int = Field(default=120, ge=1)
    max_window_days: float = Field(default=7, gt=0)
    request_deadline_seconds: float = Field(default=120, gt=0)
    max_retries: int = Field(default=3, ge=0, le=10)
    #: The app's client id (``Sm-Apikey``) and secret: webhooks are signed with both.
    webhook_api_key: SecretStr | None = None
    webhook_api_secret: SecretStr | None = None

    @model_validator(mode="after")
    def _reserve_leaves_room(self) -> SurveyMonkeySettings:
        if self.daily_reserve >= self.daily_request_limit:
            raise ValueError("daily_reserve must be smaller than daily_request_limit")
        return self

    def inline_retry(self) -> InlineRetry:
        """Backoff 2, 4, 8 ... 30 s: every retry costs a request of the day."""
        return InlineRetry(
            attempts=self.max_retries + 1,
            backoff_base=2.0,
            backoff_max=30.0,
            max_inline_wait=MAX_INLINE_WAIT_SECONDS,
        )
