"""The responses listing's query: page, per_page, sort key and the bracketed time filters.

``created[gt]``/``created[lt]`` exclude their bound [singer-io/tap-wootric tap_wootric/__init__.py];
``[gte]``/``[lte]`` and the ``updated[...]`` filters on responses are third-party only.
"""

from __future__ import annotations

from syncd.sandbox.http import Request


def int_param(request: Request, name: str, default: int) -> int:
    """The integer parameter ``name``, ``default`` when absent; ``ValueError`` (a 400) if odd."""
    raw = request.param(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer") from None


def bounds(request: Request, field: str) -> tuple[int, int]:
    """The inclusive range of ``field[gt|gte|lt|lte]``; ``gt``/``lt`` exclude their value."""
    low, high = -(2**62), 2**62
    for op, shift in (("gt", 1), ("gte", 0)):
        if (raw := request.param(f"{field}[{op}]")) not in (None, ""):
            low = max(low, int(raw) + shift)
    for op, shift in (("lt", -1), ("lte", 0)):
        if (raw := request.param(f"{field}[{op}]")) not in (None, ""):
            high = min(high, int(raw) + shift)
    return low, high
