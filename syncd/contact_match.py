"""``[crm] match_contacts_by``: which respondent identifier is looked up in which contact field.

Entries are written ``email``, ``external_id:<crm property>`` or ``person_id:<crm property>``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from pydantic import PlainSerializer, PlainValidator

from syncd.model import EMAIL, ContactField, RespondentId

MATCH_FORMS = "email, external_id:<crm property> or person_id:<crm property>"


@dataclass(frozen=True, slots=True)
class ContactMatch:
    """One way to find a respondent's contact: this identifier, looked up in that contact field."""

    identifier: RespondentId
    field: ContactField = EMAIL

    def __str__(self) -> str:
        if self.field.property is None:
            return self.identifier.value
        return f"{self.identifier.value}:{self.field.property}"


#: The default: respondents are matched by email only.
BY_EMAIL = ContactMatch(RespondentId.EMAIL)


def parse_contact_match(value: object) -> ContactMatch:
    """A ``ContactMatch`` from its text form, or a ``ValueError`` that says what to write."""
    if isinstance(value, ContactMatch):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not text; write {MATCH_FORMS}")
    name, colon, crm_property = (part.strip() for part in value.partition(":"))
    if name not in RespondentId.__members__.values():
        raise ValueError(f"unknown respondent identifier {name!r}; use {MATCH_FORMS}")
    identifier = RespondentId(name)
    if identifier is RespondentId.EMAIL:
        if colon:
            raise ValueError(
                f"{value!r}: email is looked up in the CRM's own email field; write 'email'"
            )
        return BY_EMAIL
    if not crm_property or any(c.isspace() for c in crm_property):
        raise ValueError(
            f"{value!r} needs the CRM contact property holding the {name}, without spaces, "
            f"e.g. '{name}:customer_id'"
        )
    return ContactMatch(identifier, ContactField(crm_property))


#: A ``match_contacts_by`` entry in settings: parsed from, and shown as, its text form.
ContactMatchOption = Annotated[
    ContactMatch, PlainValidator(parse_contact_match), PlainSerializer(str, return_type=str)
]
