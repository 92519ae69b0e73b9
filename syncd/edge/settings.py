"""The settings every HTTP connector shares; each connector's settings extend this base."""

from __future__ import annotations

from abc import abstractmethod

from pydantic import BaseModel, ConfigDict, Field

from syncd.edge.retry_policy import InlineRetry
from syncd.urls import HttpBaseUrl


class HttpSettings(BaseModel):
    """Where a vendor's API is and how long one request may take.

    Unknown keys are an error so typos surface at startup. A subclass gives ``base_url`` its
    vendor's default and turns its own retry options into the shared ``InlineRetry`` policy.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    base_url: HttpBaseUrl
    timeout_seconds: float = Field(default=30, gt=0)

    @abstractmethod
    def inline_retry(self) -> InlineRetry:
        """The retry policy for one call to this vendor."""
