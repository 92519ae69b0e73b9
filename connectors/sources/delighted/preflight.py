"""``DelightedSource.check``: one authenticated request for one response proves key and reach."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.sources.delighted.client import DelightedClient
from syncd.errors import SourceError
from syncd.model import CheckResult


def check_access(name: str, client: DelightedClient) -> Sequence[CheckResult]:
    """List at most one response: a 401 means a bad API key, a timeout an unreachable API."""
    what = f"source {name} api key and survey responses"
    try:
        client.list_responses({"per_page": 1, "page": 1})
    except SourceError as error:
        return [CheckResult(what, False, f"{error}: check [sources.{name}] api_key and base_url")]
    return [CheckResult(what, True, "readable")]
