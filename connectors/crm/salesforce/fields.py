"""The custom fields and the key object syncd needs in an org, as Metadata API definitions.

Setup creates them through the Tooling API (``CustomField``/``CustomObject`` with ``FullName`` and
``Metadata``, Tooling API reference) or prints these definitions for an admin to create.

Task idempotency: whether a custom *activity* field may be an External ID (and so serve a Task
upsert) is not settled by any source we could check (crm-api-facts §7.6 lists it as open), so
syncd does not rely on it. Each task is created in one all-or-none sObject Collections call
together with a record of the custom object ``Syncd_Task_Key__c`` whose ``Key__c`` is a unique
External ID: the org's unique index admits one key record per key, and the all-or-none
transaction ties the task to it, so a retry (or a late duplicate) fails with
``DUPLICATE_VALUE`` and creates nothing. The task also carries the key in ``Syncd_Key__c``,
which is how the retry finds the task that won.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

KEY_OBJECT = "Syncd_Task_Key__c"
KEY_FIELD = "Key__c"
#: With ``[crm] history_notes``: one record per answer, upserted by its unique ``Key__c``.
HISTORY_OBJECT = "NPS_Response__c"


class SalesforceFieldNames(BaseModel):
    """API names of the fields syncd writes; an empty contact field name disables that field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    score: str = "NPS_Score__c"
    category: str = "NPS_Category__c"
    comment: str = "NPS_Comment__c"
    responded_at: str = "NPS_Last_Response_At__c"
    link: str = "NPS_Response_Link__c"
    survey: str = "NPS_Survey__c"
    source: str = "NPS_Source__c"
    #: When the follow-up of the contact's latest answer was completed (null while open);
    #: empty: not written, and neither checked nor required at startup.
    loop_closed_at: str = "NPS_Loop_Closed_At__c"
    #: Task field holding the task's idempotency key (text, 255).
    task_key: str = Field(default="Syncd_Key__c", min_length=1)
    #: Task field whose value is the loop's outcome when the task is completed (a picklist such
    #: as ``NPS_Outcome__c``); empty: a completed task whose Comments (Description) the owner
    #: changed counts as closed with a note.
    task_outcome: str = ""


#: Metadata type -> (describe type, extra metadata).
_TYPES: dict[str, tuple[str, dict[str, Any]]] = {
    "Number": ("double", {"precision": 2, "scale": 0}),
    "Text": ("string", {"length": 255}),
    "LongTextArea": ("textarea", {"length": 32768, "visibleLines": 5}),
    "DateTime": ("datetime", {}),
    "Url": ("url", {}),
    "Lookup": ("reference", {"referenceTo": "Contact", "relationshipName": "NPS_Responses"}),
}


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One custom field syncd needs: where, its Metadata type, label and key flags."""

    sobject: str
    name: str
    metadata_type: str
    label: str
    external_id: bool = False
    unique: bool = False
    required: bool = True
    #: Digits of a Number field (the Metadata default here is 2, enough for a 0-10 score).
    precision: int | None = None

    @property
    def full_name(self) -> str:
        """``Object.Field__c``, the Tooling API's ``FullName``."""
        return f"{self.sobject}.{self.name}"

    @property
    def describe_type(self) -> str:
        """The type describe reports for this field once it exists."""
        return _TYPES[self.metadata_type][0]

    def metadata(self) -> dict[str, Any]:
        """The ``Metadata`` of a Tooling API ``CustomField`` create."""
        extra = dict(_TYPES[self.metadata_type][1])
        if self.precision is not None:
            extra["precision"] = self.precision
        return {
            "label": self.label,
            "type": self.metadata_type,
            "externalId": self.external_id,
            "unique": self.unique,
            **extra,
        }

    def tooling_body(self) -> dict[str, Any]:
        """The body of ``POST /tooling/sobjects/CustomField``."""
        return {"FullName": self.full_name, "Metadata": self.metadata()}


def object_body(name: str, label: str) -> dict[str, Any]:
    """The body of ``POST /tooling/sobjects/CustomObject`` for one of syncd's objects."""
    return {
        "FullName": name,
        "Metadata": {
            "label": label,
            "pluralLabel": f"{label}s",
            "nameField": {"label": f"{label} Name", "type": "Text"},
            "deploymentStatus": "Deployed",
            "sharingModel": "ReadWrite",
        },
    }


def required_fields(names: SalesforceFieldNames) -> list[FieldSpec]:
    """Every custom field syncd needs, contact fields first, in setup's order."""
    contact = [
        (names.score, "Number", "NPS score", True),
        (names.category, "Text", "NPS category", True),
        (names.comment, "LongTextArea", "NPS comment", True),
        (names.responded_at, "DateTime", "NPS last response at", True),
        (names.link, "Url", "NPS response link", True),
        (names.survey, "Text", "NPS survey", True),
        (names.source, "Text", "NPS source", True),
        (names.loop_closed_at, "DateTime", "NPS loop closed at", True),
    ]
    specs = [
        FieldSpec("Contact", name, kind, label, required=required)
        for name, kind, label, required in contact
        if name
    ]
    specs.append(FieldSpec("Task", names.task_key, "Text", "Syncd key"))
    specs.append(FieldSpec(KEY_OBJECT, KEY_FIELD, "Text", "Key", external_id=True, unique=True))
    return specs


class RollupFieldNames(BaseModel):
    """Account fields of the roll-up (``account_rollup``): latest score, NPS over the window
    (-100 to 100), open follow-up tasks of detractors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    latest: str = Field(default="NPS_Latest_Score__c", min_length=1)
    window: str = Field(default="NPS_Window_Score__c", min_length=1)
    open_detractor_followups: str = Field(default="NPS_Open_Detractor_Followups__c", min_length=1)


def rollup_fields(names: RollupFieldNames, *, required: bool) -> list[FieldSpec]:
    """The Account fields of the roll-up; ``required`` while ``account_rollup`` is on."""
    return [
        FieldSpec("Account", names.latest, "Number", "NPS latest score", required=required),
        FieldSpec(
            "Account", names.window, "Number", "NPS over window", required=required, precision=3
        ),
        FieldSpec(
            "Account",
            names.open_detractor_followups,
            "Number",
            "Open detractor follow-ups",
            required=required,
            precision=6,
        ),
    ]


#: syncd's custom objects: (API name, label, needed for delivery).
OBJECTS = ((KEY_OBJECT, "Syncd Task Key", True), (HISTORY_OBJECT, "NPS Response", False))


def history_fields() -> list[FieldSpec]:
    """The fields of the optional history object (``[crm] history_notes``)."""
    return [
        FieldSpec(HISTORY_OBJECT, KEY_FIELD, "Text", "Key", True, True, required=False),
        FieldSpec(HISTORY_OBJECT, "Contact__c", "Lookup", "Contact", required=False),
        FieldSpec(HISTORY_OBJECT, "Body__c", "LongTextArea", "Answer", required=False),
        FieldSpec(HISTORY_OBJECT, "Responded_At__c", "DateTime", "Responded at", required=False),
    ]
