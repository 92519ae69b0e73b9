"""``TypeformSource.check``: one small listing per form proves token, scope and form ids."""

from __future__ import annotations

from collections.abc import Sequence

from connectors.sources.typeform.client import TypeformClient
from syncd.errors import SourceError
from syncd.model import CheckResult


def check_access(name: str, client: TypeformClient, forms: Sequence[str]) -> list[CheckResult]:
    """List at most one response of each form: 401 is the token, 404 a wrong form id."""
    results: list[CheckResult] = []
    for form in forms:
        what = f"source {name} form {form}"
        try:
            client.list_responses(form, {"page_size": 1})
        except SourceError as error:
            hint = f"check [sources.{name}] access_token, forms and base_url"
            results.append(CheckResult(what, False, f"{error}: {hint}"))
        else:
            results.append(CheckResult(what, True, "readable"))
    return results
