"""``[routing.escalation]`` (or per rule) and ``[events]``: what happens to overdue and closed
loops."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from syncd.model import NpsCategory
from syncd.urls import HttpBaseUrl

EscalationAction = Literal["raise_priority", "reassign", "report_only"]


class EscalationSettings(BaseModel):
    """``[routing.escalation]``: what to do, once per loop, when a task is overdue.

    ``after_hours`` counts past the due time in the rule's business calendar (working hours,
    when the calendar has them; else every hour of a working day). ``reassign`` moves the task
    to ``to`` (an owner id or email, resolved through the CRM's owner list).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    after_hours: float = Field(24.0, ge=0)
    action: EscalationAction = "report_only"
    to: str | None = Field(None, min_length=1)

    @model_validator(mode="after")
    def _lead_for_reassign(self) -> EscalationSettings:
        if self.action == "reassign" and not self.to:
            raise ValueError("action = 'reassign' needs to = <team lead's owner id or email>")
        return self


class EventSettings(BaseModel):
    """``[events]``: a signed webhook when a loop of the chosen categories closes.

    The body is JSON; ``X-Syncd-Signature: sha256=<hex>`` is the HMAC-SHA256 of the raw body
    under ``secret`` (give it as ``env:NAME`` or ``file:/path``), ``X-Syncd-Timestamp`` the
    sending time, ``X-Syncd-Event-Id`` the same on every retry so the receiver can drop repeats.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: HttpBaseUrl | None = None
    secret: SecretStr | None = None
    categories: tuple[NpsCategory, ...] = (NpsCategory.DETRACTOR,)
    #: The respondent's comment goes along only when asked for: it is customer text.
    include_comment: bool = False
    timeout_seconds: float = Field(10.0, gt=0)
    max_attempts: int = Field(10, ge=1)
    backoff_base_seconds: float = Field(30.0, gt=0)
    backoff_max_seconds: float = Field(3600.0, gt=0)
    #: Events sent per pass at most; the rest wait for the next pass.
    batch_size: int = Field(100, ge=1, le=1000)

    @property
    def enabled(self) -> bool:
        """True when a receiver is configured."""
        return self.url is not None

    @model_validator(mode="after")
    def _secret_with_url(self) -> EventSettings:
        if self.url is not None and (
            self.secret is None or not self.secret.get_secret_value().strip()
        ):
            raise ValueError("[events] url needs a secret (env:NAME or file:/path) to sign with")
        return self
