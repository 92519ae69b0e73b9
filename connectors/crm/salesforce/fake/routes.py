"""The REST resources the fake serves, by path, as simple-salesforce 1.12 requests them.

Under ``/services/data/vNN.N/``: ``query`` (and ``query/<cursor>`` from ``nextRecordsUrl``),
``limits``, ``sobjects/<type>/describe``, ``composite/sobjects`` (POST create, PATCH update),
``composite/sobjects/<type>/<externalIdField>`` (PATCH upsert) and the Tooling API's
``tooling/sobjects/CustomField`` and ``CustomObject`` (POST).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import Any

from connectors.crm.salesforce.fake import composite, soql
from connectors.crm.salesforce.fake.collections import Writer
from connectors.crm.salesforce.fake.errors import SalesforceError, not_found
from connectors.crm.salesforce.fake.faults import Allowance
from connectors.crm.salesforce.fake.org import Org, Record
from connectors.crm.salesforce.fake.schema import FieldDef
from connectors.crm.salesforce.fake.timefmt import render
from syncd.sandbox.http import Request

#: The default query batch: "a maximum of 2,000 records" per answer (SOQL batch size docs).
QUERY_BATCH = 2000
_DATA = re.compile(r"/services/data/v(?P<version>\d+\.\d)/(?P<rest>.*?)/?")
_METADATA_TYPES = {
    "Number": "double",
    "Text": "string",
    "LongTextArea": "textarea",
    "DateTime": "datetime",
    "Url": "url",
    "Checkbox": "boolean",
    "Date": "date",
    "Lookup": "reference",
}


class Api:
    """Serves the data API for one org; query cursors live until read or the fake stops."""

    def __init__(self, org: Org, writer: Writer, allowance: Allowance) -> None:
        self.org = org
        self.writer = writer
        self.allowance = allowance
        self._cursors: dict[str, list[dict[str, Any]]] = {}
        self._cursor_ids = itertools.count(1)
        self.tooling_allowed = True

    def serve(self, request: Request) -> tuple[int, Any]:
        match = _DATA.fullmatch(request.path)
        if match is None:
            raise not_found(request.path)
        version, rest = match["version"], match["rest"]
        parts = rest.split("/")
        allow = "allowsave=true" in request.headers.get("sforce-duplicate-rule-header", "").lower()
        routes: dict[tuple[str, str], Callable[[], tuple[int, Any]]] = {
            ("GET", "query"): lambda: self._query(request, version),
            ("GET", "limits"): lambda: (200, self.allowance.resource()),
            ("POST", "composite/sobjects"): lambda: (
                200,
                self.writer.create(request.json(), allow_duplicates=allow),
            ),
            ("PATCH", "composite/sobjects"): lambda: (
                200,
                self.writer.update(request.json(), allow_duplicates=allow),
            ),
        }
        if (request.method, rest) in routes:
            return routes[(request.method, rest)]()
        if (request.method, rest) == ("POST", "composite"):
            return 200, composite.serve(self.serve, request)
        if request.method == "GET" and parts[0] == "query" and len(parts) == 2:
            return self._more(parts[1], version)
        if request.method == "GET" and parts[0] == "sobjects" and parts[2:] == ["describe"]:
            sobject = self.org.schema.canonical(parts[1])
            if sobject is None:
                raise not_found(request.path)
            return 200, self.org.schema.describe(sobject)
        if request.method == "PATCH" and parts[:2] == ["composite", "sobjects"] and len(parts) == 4:
            return 200, self.writer.upsert(parts[2], parts[3], request.json())
        if request.method == "POST" and parts[:2] == ["tooling", "sobjects"] and len(parts) == 3:
            return self._tooling(parts[2], request.json())
        raise not_found(request.path)

    def _query(self, request: Request, version: str) -> tuple[int, Any]:
        text = request.param("q") or ""
        try:
            query = soql.parse(text)
            records = soql.run(self.org, query, self._resolve)
        except soql.SoqlError as error:
            raise SalesforceError(400, error.code, str(error)) from None
        sobject = self.org.schema.canonical(query.sobject) or query.sobject
        rows = [self._row(sobject, r, query.fields, version) for r in records]
        return 200, self._page(rows, version)

    def _more(self, cursor: str, version: str) -> tuple[int, Any]:
        rows = self._cursors.pop(cursor.rsplit("-", 1)[0], None)
        if rows is None:
            raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return 200, self._page(rows, version)

    def _page(self, rows: list[dict[str, Any]], version: str) -> dict[str, Any]:
        total = len(rows)
        page, rest = rows[:QUERY_BATCH], rows[QUERY_BATCH:]
        body: dict[str, Any] = {"totalSize": total, "done": not rest, "records": page}
        if rest:
            cursor = f"01g{next(self._cursor_ids):015d}"
            self._cursors[cursor] = rest
            body["nextRecordsUrl"] = f"/services/data/v{version}/query/{cursor}-{QUERY_BATCH}"
        return body

    def _resolve(self, record: Record, name: str) -> object:
        if "." in name:
            relation, _, field = name.partition(".")
            parent = self.org.get(str(record.get(f"{relation}Id") or ""))
            return None if parent is None else self._resolve(parent, field)
        sobject = self.org.ids.sobject_of(str(record["Id"])) or ""
        found = self.org.schema.field(sobject, name)
        return record.get(found.name if found else name)

    def _row(
        self, sobject: str, record: Record, fields: tuple[str, ...], version: str
    ) -> dict[str, Any]:
        row: dict[str, Any] = {"attributes": _attributes(sobject, record["Id"], version)}
        for name in fields:
            if "." in name:
                relation, _, field = name.partition(".")
                parent = self.org.get(str(record.get(f"{relation}Id") or ""))
                if parent is None:
                    row[relation] = None
                    continue
                parent_type = self.org.ids.sobject_of(parent["Id"]) or ""
                nested = row.setdefault(
                    relation, {"attributes": _attributes(parent_type, parent["Id"], version)}
                )
                nested[field] = render(parent.get(field))
                continue
            found = self.org.schema.field(sobject, name)
            key = found.name if found else name
            row[key] = render(record.get(key))
        return row

    def _tooling(self, kind: str, body: Any) -> tuple[int, Any]:
        if not self.tooling_allowed:
            raise SalesforceError(
                403,
                "INSUFFICIENT_ACCESS",
                "insufficient access rights on object id (Customize Application is required)",
            )
        if not isinstance(body, dict) or not isinstance(body.get("Metadata"), dict):
            raise SalesforceError(400, "JSON_PARSER_ERROR", "FullName and Metadata are required")
        full_name, metadata = str(body.get("FullName") or ""), body["Metadata"]
        if kind == "CustomObject":
            if self.org.schema.has_object(full_name):
                raise SalesforceError(400, "DUPLICATE_DEVELOPER_NAME", f"{full_name} exists")
            self.org.schema.define_object(full_name, str(metadata.get("label") or full_name))
            self.org.ids.prefix_for(full_name)
            return 201, {"id": f"01I{next(self._cursor_ids):015d}", "success": True, "errors": []}
        if kind != "CustomField":
            raise not_found(kind)
        sobject, _, name = full_name.partition(".")
        canonical = self.org.schema.canonical(sobject)
        if canonical is None or not name.endswith("__c"):
            raise SalesforceError(400, "INVALID_FIELD", f"bad FullName {full_name!r}")
        if self.org.schema.field(canonical, name) is not None:
            raise SalesforceError(400, "DUPLICATE_DEVELOPER_NAME", f"{full_name} exists")
        kind_name = str(metadata.get("type") or "Text")
        self.org.schema.define(
            canonical,
            FieldDef(
                name,
                _METADATA_TYPES.get(kind_name, "string"),
                length=int(metadata.get("length") or 255),
                custom=True,
                external_id=bool(metadata.get("externalId")),
                unique=bool(metadata.get("unique")),
                label=str(metadata.get("label") or name),
            ),
        )
        self.org.reindex_field(canonical, name)
        return 201, {"id": f"00N{next(self._cursor_ids):015d}", "success": True, "errors": []}


def _attributes(sobject: str, record_id: str, version: str) -> dict[str, str]:
    return {"type": sobject, "url": f"/services/data/v{version}/sobjects/{sobject}/{record_id}"}
