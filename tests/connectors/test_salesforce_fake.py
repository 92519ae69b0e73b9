"""The sandbox Salesforce org answers as Salesforce documents: shapes, errors, limits, faults."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import urlencode

import pytest

from connectors.crm.salesforce.fake import SalesforceFake
from connectors.crm.salesforce.fake.soql import SoqlError, parse
from syncd.sandbox.http import Request, Response

API = "/services/data/v62.0"


def _ask(
    fake: SalesforceFake, method: str, path: str, body: Any = None, **headers: str
) -> Response:
    query: dict[str, list[str]] = {}
    if "?" in path:
        path, _, raw = path.partition("?")
        query = {k: [v] for k, v in (p.split("=", 1) for p in raw.split("&"))}
    data = (
        body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    )
    return fake(Request(method, path, query, {"host": "127.0.0.1:1", **headers}, data))


def _token(fake: SalesforceFake) -> str:
    basic = base64.b64encode(b"sandbox-consumer-key:sandbox-consumer-secret").decode()
    answer = _ask(
        fake,
        "POST",
        "/services/oauth2/token",
        urlencode({"grant_type": "client_credentials"}).encode(),
        authorization=f"Basic {basic}",
    )
    assert answer.status == 200 and answer.body["instance_url"] == "http://127.0.0.1:1"
    return f"Bearer {answer.body['access_token']}"


@pytest.fixture
def org() -> tuple[SalesforceFake, str]:
    fake = SalesforceFake()
    return fake, _token(fake)


def _query(fake: SalesforceFake, auth: str, soql: str) -> Response:
    return fake(Request("GET", f"{API}/query/", {"q": [soql]}, {"authorization": auth}, b""))


def test_a_bad_grant_is_the_oauth_error_shape() -> None:
    answer = _ask(SalesforceFake(), "POST", "/services/oauth2/token", b"grant_type=password")
    assert answer.status == 400 and set(answer.body) == {"error", "error_description"}


def test_no_session_is_invalid_session_id() -> None:
    answer = _ask(SalesforceFake(), "GET", f"{API}/limits/", authorization="Bearer nope")
    assert answer.status == 401
    assert answer.body == [
        {"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID", "fields": []}
    ]


def test_answers_carry_the_limit_header_and_limits_resource(
    org: tuple[SalesforceFake, str],
) -> None:
    fake, auth = org
    fake.set_allowance(limit=10, used=3)
    answer = _ask(fake, "GET", f"{API}/limits/", authorization=auth)
    assert answer.headers["Sforce-Limit-Info"] == "api-usage=4/10"
    assert answer.body["DailyApiRequests"] == {"Max": 10, "Remaining": 6}
    fake.set_allowance(limit=10, used=10)
    refused = _ask(fake, "GET", f"{API}/limits/", authorization=auth)
    assert refused.status == 403 and refused.body[0]["errorCode"] == "REQUEST_LIMIT_EXCEEDED"


def test_describe_starts_without_syncds_fields(org: tuple[SalesforceFake, str]) -> None:
    fake, auth = org
    before = _ask(fake, "GET", f"{API}/sobjects/Contact/describe", authorization=auth)
    assert "NPS_Score__c" not in {f["name"] for f in before.body["fields"]}
    fake.set_up()
    after = _ask(fake, "GET", f"{API}/sobjects/Contact/describe", authorization=auth)
    assert "NPS_Score__c" in {f["name"] for f in after.body["fields"]}


def test_more_than_200_records_fail_the_call(org: tuple[SalesforceFake, str]) -> None:
    fake, auth = org
    records = [{"attributes": {"type": "Contact"}, "LastName": "x"}] * 201
    answer = _ask(
        fake, "POST", f"{API}/composite/sobjects", {"records": records}, authorization=auth
    )
    assert answer.status == 400 and answer.body[0]["errorCode"] == "EXCEEDED_ID_LIMIT"


@pytest.mark.parametrize("body", [b"{not json", b'{"records": 5}', b'{"records": [5]}'])
def test_malformed_bodies_are_400s(org: tuple[SalesforceFake, str], body: bytes) -> None:
    fake, auth = org
    answer = _ask(fake, "POST", f"{API}/composite/sobjects", body, authorization=auth)
    assert answer.status == 400 and answer.body[0]["errorCode"] == "JSON_PARSER_ERROR"


def test_record_errors_come_back_with_status_codes(org: tuple[SalesforceFake, str]) -> None:
    fake, auth = org
    owner = fake.add_owner("a@example.com", "A", "B")
    fake.deactivate_user(owner)
    records = [
        {"attributes": {"type": "Contact"}, "Email": "x@example.com"},
        {"attributes": {"type": "Task"}, "WhoId": "003000000000999AAA"},
        {"attributes": {"type": "Task"}, "OwnerId": owner},
        {"attributes": {"type": "Task"}, "Subject": "x" * 300},
        {"attributes": {"type": "Task"}, "Status": "Finished"},
        {"attributes": {"type": "Task"}, "Subject": "fine"},
    ]
    answer = _ask(
        fake, "POST", f"{API}/composite/sobjects", {"records": records}, authorization=auth
    )
    codes = [r["errors"][0]["statusCode"] if r["errors"] else None for r in answer.body]
    assert answer.status == 200
    assert codes == [
        "REQUIRED_FIELD_MISSING",
        "INVALID_CROSS_REFERENCE_KEY",
        "INACTIVE_OWNER_OR_USER",
        "STRING_TOO_LONG",
        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
        None,
    ]


def test_all_or_none_rolls_back_the_rest(org: tuple[SalesforceFake, str]) -> None:
    fake, auth = org
    records = [
        {"attributes": {"type": "Task"}, "Subject": "ok"},
        {"attributes": {"type": "Task"}, "Status": "Finished"},
    ]
    body = {"allOrNone": True, "records": records}
    answer = _ask(fake, "POST", f"{API}/composite/sobjects", body, authorization=auth)
    assert answer.body[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert fake.tasks() == []


def test_an_unknown_field_fails_the_request(org: tuple[SalesforceFake, str]) -> None:
    fake, auth = org
    records = [{"attributes": {"type": "Contact"}, "LastName": "x", "Nope__c": 1}]
    answer = _ask(
        fake, "POST", f"{API}/composite/sobjects", {"records": records}, authorization=auth
    )
    assert answer.status == 400 and answer.body[0]["errorCode"] == "INVALID_FIELD"


def test_upsert_by_external_id_creates_then_updates(org: tuple[SalesforceFake, str]) -> None:
    fake, auth = org
    fake.define_property("contacts", "customer_id", unique=True)
    record = {"attributes": {"type": "Contact"}, "customer_id__c": "C-1", "LastName": "One"}
    path = f"{API}/composite/sobjects/Contact/customer_id__c"
    first = _ask(fake, "PATCH", path, {"records": [record]}, authorization=auth)
    again = _ask(
        fake, "PATCH", path, {"records": [record | {"LastName": "Two"}]}, authorization=auth
    )
    assert first.body[0]["created"] is True and again.body[0]["created"] is False
    assert first.body[0]["id"] == again.body[0]["id"]
    [stored] = fake.records("Contact")
    assert stored["LastName"] == "Two"
    bad = _ask(
        fake,
        "PATCH",
        f"{API}/composite/sobjects/Contact/LastName",
        {"records": []},
        authorization=auth,
    )
    assert bad.status == 404


@pytest.mark.parametrize(
    "soql",
    [
        "SELECT FROM Contact",
        "SELECT Id FROM Contact WHERE Email = 'unterminated",
        "SELECT Id FROM Contact WHERE Email ~ 'a'",
        "SELECT Id FROM Contact LIMIT x",
        "DELETE FROM Contact",
        "SELECT Id FROM Contact WHERE Email IN ('a' 'b')",
    ],
)
def test_malformed_soql_is_malformed_query(soql: str) -> None:
    with pytest.raises(SoqlError):
        parse(soql)


def test_unknown_columns_and_objects_are_named(org: tuple[SalesforceFake, str]) -> None:
    fake, auth = org
    column = _query(fake, auth, "SELECT Nope__c FROM Contact")
    sobject = _query(fake, auth, "SELECT Id FROM Nope__c")
    assert column.status == 400 and column.body[0]["errorCode"] == "INVALID_FIELD"
    assert sobject.body[0]["errorCode"] == "INVALID_TYPE"


def test_queries_page_through_next_records_url(org: tuple[SalesforceFake, str]) -> None:
    fake, auth = org
    for n in range(2500):
        fake.add_contact(f"p{n}@example.com")
    first = _query(fake, auth, "SELECT Id, Email FROM Contact ORDER BY Id")
    assert (first.body["totalSize"], len(first.body["records"]), first.body["done"]) == (
        2500,
        2000,
        False,
    )
    more = _ask(fake, "GET", first.body["nextRecordsUrl"], authorization=auth)
    assert (len(more.body["records"]), more.body["done"]) == (500, True)
    again = _ask(fake, "GET", first.body["nextRecordsUrl"], authorization=auth)
    assert again.body[0]["errorCode"] == "INVALID_QUERY_LOCATOR"


def test_email_lookups_ignore_case_and_use_the_index(org: tuple[SalesforceFake, str]) -> None:
    fake, auth = org
    contact = fake.add_contact("Mixed.Case@Example.com")
    found = _query(fake, auth, "SELECT Id FROM Contact WHERE Email IN ('mixed.case@example.COM')")
    assert [r["Id"] for r in found.body["records"]] == [contact]


def test_an_injected_fault_after_processing_keeps_the_write(
    org: tuple[SalesforceFake, str],
) -> None:
    fake, auth = org
    fake.inject("/composite/", 500, after_processing=True)
    records = [{"attributes": {"type": "Task"}, "Subject": "lost answer"}]
    answer = _ask(
        fake, "POST", f"{API}/composite/sobjects", {"records": records}, authorization=auth
    )
    assert answer.status == 500 and len(fake.tasks()) == 1


def test_the_tooling_api_creates_fields_where_permitted(org: tuple[SalesforceFake, str]) -> None:
    fake, auth = org
    body = {"FullName": "Contact.X__c", "Metadata": {"label": "X", "type": "Text", "length": 20}}
    created = _ask(fake, "POST", f"{API}/tooling/sobjects/CustomField", body, authorization=auth)
    repeated = _ask(fake, "POST", f"{API}/tooling/sobjects/CustomField", body, authorization=auth)
    fake.allow_tooling(False)
    refused = _ask(fake, "POST", f"{API}/tooling/sobjects/CustomField", body, authorization=auth)
    assert created.status == 201 and repeated.status == 400 and refused.status == 403


def test_a_composite_call_counts_once_and_caps_heavy_parts(org: tuple[SalesforceFake, str]) -> None:
    fake, auth = org
    fake.set_allowance(limit=100, used=0)
    query = {"method": "GET", "url": f"{API}/query?q=SELECT+Id+FROM+Contact", "referenceId": "q"}
    answer = _ask(
        fake, "POST", f"{API}/composite", {"compositeRequest": [query] * 5}, authorization=auth
    )
    assert answer.status == 200 and len(answer.body["compositeResponse"]) == 5
    assert fake.api_usage == (1, 100)
    too_many = _ask(
        fake, "POST", f"{API}/composite", {"compositeRequest": [query] * 6}, authorization=auth
    )
    assert too_many.status == 400 and too_many.body[0]["errorCode"] == "LIMIT_EXCEEDED"


def test_a_failed_subrequest_answers_inside_the_composite(org: tuple[SalesforceFake, str]) -> None:
    fake, auth = org
    bad = {"method": "GET", "url": f"{API}/query?q=SELECT+Nope__c+FROM+Contact", "referenceId": "b"}
    answer = _ask(fake, "POST", f"{API}/composite", {"compositeRequest": [bad]}, authorization=auth)
    [part] = answer.body["compositeResponse"]
    assert answer.status == 200 and part["httpStatusCode"] == 400
    assert part["body"][0]["errorCode"] == "INVALID_FIELD"
