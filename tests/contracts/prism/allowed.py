"""The violations Prism may report that are artefacts of the npm package's documents, not
mistakes of syncd or of the fake. Each is allowed by name; any other violation fails the test."""

from __future__ import annotations

from dataclasses import dataclass

from tests.contracts.prism.proxy import Violation


@dataclass(frozen=True, slots=True)
class Artefact:
    """A known flaw of the document: where Prism reports it and what it says."""

    name: str
    location_prefix: str
    message_contains: str

    def covers(self, violation: Violation) -> bool:
        at = violation.location.startswith(self.location_prefix)
        return at and self.message_contains in violation.message


ALLOWED = (
    # The package's search schema types ``sorts`` as strings ("-createdate"); HubSpot's search
    # guide takes objects {propertyName, direction}, which is what syncd sends.
    Artefact("object form of sorts", "request.body.sorts.", "must be string"),
    # The document marks ``after`` required; a first search page has no cursor to send.
    Artefact("first search page without after", "request.body", "required property 'after'"),
    # HubSpot's 207 error items carry no ``errors``/``links``; the document requires both.
    Artefact("207 error item without errors", "response.body.errors.", "property 'errors'"),
    Artefact("207 error item without links", "response.body.errors.", "property 'links'"),
    # The v4 associations document types an error's ``category`` as an object {name,
    # httpStatus}; HubSpot's error items carry the category name as a string, as elsewhere.
    Artefact("string error category", "response.body.errors.", "must be object"),
)


def unexplained(violations: list[Violation]) -> list[Violation]:
    """The violations no allowed artefact covers."""
    return [v for v in violations if not any(a.covers(v) for a in ALLOWED)]
