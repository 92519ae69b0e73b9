"""Configuration of one generic JSON webhook: where the fields sit, and how deliveries prove origin.

A delivery proves itself by one of: a shared secret in a header (``secret_header``), or an HMAC
of the raw body in a header (``signature_header``, with the algorithm, encoding and prefix the
sending tool uses). An endpoint that takes anything must be asked for by name
(``unauthenticated = true``): anyone who finds the URL could then write answers.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, model_validator

from syncd.intake.mapping import FieldMapping


class JsonHookSettings(BaseModel):
    """Settings for ``JsonHookSource``; unknown keys are an error so typos surface at startup."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: Where each field of an answer sits in a delivery, as dotted paths.
    fields: FieldMapping
    #: Dotted path to a list of answers in the body; unset: the body is one answer (an object)
    #: or a list of answers.
    items: str | None = Field(None, min_length=1)
    secret: SecretStr | None = None
    #: A header whose value must equal ``secret`` (the tool sends a static secret).
    secret_header: str | None = Field(None, min_length=1)
    #: A header holding an HMAC of the raw body keyed with ``secret``.
    signature_header: str | None = Field(None, min_length=1)
    signature_algorithm: Literal["sha1", "sha256", "sha512"] = "sha256"
    signature_encoding: Literal["hex", "base64"] = "hex"
    #: Text before the digest in the header, e.g. ``"sha256="``.
    signature_prefix: str = ""
    #: Take deliveries without any proof of origin.
    unauthenticated: bool = False
    #: The survey name answers carry when ``fields.survey`` is unset or absent.
    survey: str | None = None

    @model_validator(mode="after")
    def _one_proof(self) -> JsonHookSettings:
        headers = [h for h in (self.secret_header, self.signature_header) if h is not None]
        if self.unauthenticated:
            if self.secret is not None or headers:
                raise ValueError("unauthenticated = true takes no secret nor header")
            return self
        if self.secret is None or not self.secret.get_secret_value():
            raise ValueError(
                "set secret with secret_header or signature_header (or unauthenticated = true)"
            )
        if len(headers) != 1:
            raise ValueError("set exactly one of secret_header and signature_header")
        return self
