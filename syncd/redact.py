"""Keep secrets out of every error text syncd logs or stores.

The rule is *redact, then truncate*: a text cut first can end in the first half of a secret,
which no longer matches the whole secret and so slips through. ``Redactor.clip`` does both in
the right order, and also masks a tail that is the start of a secret, in case the text was cut
somewhere before it reached syncd.

Secrets shorter than ``MIN_SECRET_LENGTH`` are not searched for: replacing every "abc" or
"1234" in a message garbles it (ids, counts and words contain such strings by chance) while
protecting nothing, since a secret that short is guessed in moments anyway.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, SecretStr

#: Shorter secrets are left alone; see the module docstring.
MIN_SECRET_LENGTH = 8
MASK = "***"
#: ``outbox.last_error`` and similar stored texts keep at most this many characters.
STORED_ERROR_LIMIT = 2000
_ELLIPSIS = "..."


@dataclass(frozen=True, slots=True)
class Redactor:
    """Replaces every known secret (longest first, so a secret containing another goes whole)."""

    secrets: tuple[str, ...] = ()

    @classmethod
    def of(cls, secrets: Iterable[str | None]) -> Redactor:
        """A redactor for the given values; empty and too-short values are dropped."""
        kept = {s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}
        return cls(tuple(sorted(kept, key=lambda s: (-len(s), s))))

    def redact(self, text: str) -> str:
        """``text`` with every secret, and a trailing start of one, replaced by ``***``."""
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return self._mask_cut_tail(text)

    def clip(self, text: str, limit: int) -> str:
        """Redact, then cut to ``limit`` characters (marking the cut with ``...``)."""
        text = self.redact(text)
        if len(text) <= limit:
            return text
        return text[: max(0, limit - len(_ELLIPSIS))] + _ELLIPSIS

    def _mask_cut_tail(self, text: str) -> str:
        # Someone else cut the text inside a secret: its first characters end the text.
        for secret in self.secrets:
            for size in range(len(secret) - 1, MIN_SECRET_LENGTH - 1, -1):
                if text.endswith(secret[:size]):
                    return text[:-size] + MASK
        return text


#: The process-wide redactor; a one-item list so it is replaced, never mutated.
_active: list[Redactor] = [Redactor()]


def activate(redactor: Redactor) -> None:
    """Make ``redactor`` the process-wide one, used at the store edge and in every log line."""
    _active[0] = redactor


def active() -> Redactor:
    """The process-wide redactor (empty until the daemon activates one from its settings)."""
    return _active[0]


def stored_error(text: str) -> str:
    """An error text ready to be stored: redacted, then cut to ``STORED_ERROR_LIMIT``."""
    return active().clip(text, STORED_ERROR_LIMIT)


def structlog_processor(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> Mapping[str, Any]:
    """A structlog processor that redacts every value of a log line, nested ones included."""
    redactor = active()
    if not redactor.secrets:
        return event_dict
    for key, value in event_dict.items():
        event_dict[key] = _redact_value(redactor, value)
    return event_dict


def _redact_value(redactor: Redactor, value: object) -> object:
    if isinstance(value, str):
        return redactor.redact(value)
    if isinstance(value, Mapping):
        return {key: _redact_value(redactor, item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(redactor, item) for item in value]
    if value is None or isinstance(value, int | float):
        return value
    # Any other object is rendered through str()/repr(): check what that would show.
    text = str(value)
    redacted = redactor.redact(text)
    return value if redacted == text else redacted


def secret_values(value: object) -> Iterator[str]:
    """Every ``SecretStr`` inside a settings model, however deeply nested."""
    if isinstance(value, SecretStr):
        yield value.get_secret_value()
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from secret_values(getattr(value, name))
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from secret_values(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            yield from secret_values(item)
