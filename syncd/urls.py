"""One validated type for every connector ``base_url``: http(s), a host, no spaces, a real port."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import SplitResult, urlsplit

from pydantic import AfterValidator

_SCHEMES = ("http", "https")
_SHOWN = 60


def check_base_url(value: str) -> str:
    """``value`` without a trailing slash, or ``ValueError`` saying what is wrong with it."""
    problem = _problem(value)
    if problem:
        raise ValueError(
            f"{_shown(value)} is not a usable base URL: {problem}; "
            "write it like https://api.example.com/v1"
        )
    return value.rstrip("/")


def _problem(value: str) -> str | None:
    if any(char.isspace() for char in value):
        return "it contains a space or other whitespace"
    try:
        parts = urlsplit(value)
    except ValueError as error:  # e.g. an unbalanced "[" in the host
        return str(error)
    if parts.scheme.lower() not in _SCHEMES:
        return "it must start with http:// or https://"
    return _host_problem(parts)


def _host_problem(parts: SplitResult) -> str | None:
    if not parts.hostname:
        return "it has no host"
    if parts.username is not None or parts.password is not None:
        return "it must not carry credentials; set the connector's key or token option instead"
    try:
        port = parts.port
    except ValueError:
        return "its port is not a number from 1 to 65535"
    if port == 0:
        return "its port is not a number from 1 to 65535"
    if parts.query or parts.fragment:
        return "it must not have a query (?...) or fragment (#...)"
    return None


def _shown(value: str) -> str:
    # Never echo a password someone put into the URL.
    scheme, sep, rest = value.partition("://")
    if sep and "@" in rest.split("/", 1)[0]:
        value = f"{scheme}://***@{rest.split('@', 1)[1]}"
    return repr(value if len(value) <= _SHOWN else value[: _SHOWN - 3] + "...")


#: A connector's ``base_url``: validated as above, trailing slash removed.
HttpBaseUrl = Annotated[str, AfterValidator(check_base_url)]
