"""Responses validate against Paymenter's published OpenAPI (tickets subset, July 2025),
with the later additions the wire notes list; our own document is committed and served."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import httpx
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.api.paymenter.conftest import BASE, Shop, create_message, create_ticket
from ticketry.openapi_dump import documents, render

SPEC = json.loads(
    (Path(__file__).parent / "paymenter-openapi-tickets.json").read_text(encoding="utf-8")
)
DOCS = Path(__file__).resolve().parents[3] / "docs" / "openapi"

_ATTACHMENT = {
    "type": "object",
    "properties": {
        "id": {"type": "string"},
        "type": {"enum": ["ticketMessageAttachments"]},
        "attributes": {
            "type": "object",
            "required": ["id", "uuid", "filename", "path", "filesize", "mime_type"],
        },
    },
    "required": ["id", "type"],
}


def _spec_with_additions() -> dict[str, Any]:
    """Paymenter after commit e57a0c88: to-one relations may be null (unassigned), tickets
    carry user_id/assigned_to, messages relate to attachments, creation answers 201."""
    spec = copy.deepcopy(SPEC)
    schemas = spec["components"]["schemas"]
    schemas["TicketMessageAttachmentResource"] = _ATTACHMENT
    for name in ("TicketResource", "TicketMessageResource"):
        for rel in schemas[name]["properties"]["relationships"]["properties"].values():
            data = rel["properties"]["data"]
            if "$ref" in data:
                rel["properties"]["data"] = {"anyOf": [data, {"type": "null"}]}
    ticket_attrs = schemas["TicketResource"]["properties"]["attributes"]["properties"]
    ticket_attrs["user_id"] = {"type": ["integer", "null"]}
    ticket_attrs["assigned_to"] = {"type": ["integer", "null"]}
    for path_item in spec["paths"].values():
        for op in path_item.values():
            responses = op["responses"]
            if op["operationId"].endswith(".store"):
                responses["201"] = responses.pop("200")
            ok = responses.get("200") or responses.get("201")
            if ok and "included" in ok["content"]["application/json"]["schema"]["properties"]:
                items = ok["content"]["application/json"]["schema"]["properties"]["included"]
                items["items"]["anyOf"].append(
                    {"$ref": "#/components/schemas/TicketMessageAttachmentResource"}
                )
    return spec


SPEC_NOW = _spec_with_additions()


def _operation(method: str, path: str) -> dict[str, Any]:
    return SPEC_NOW["paths"][path][method.lower()]


def check(response: httpx.Response, method: str, path: str) -> None:
    """Validate status, body and content type against the operation's documented response."""
    op = _operation(method, path)
    status = str(response.status_code)
    assert status in op["responses"], (method, path, status)
    documented = op["responses"][status]
    if "$ref" in documented:
        documented = SPEC_NOW["components"]["responses"][documented["$ref"].rsplit("/", 1)[1]]
    if "content" not in documented:
        assert response.content == b""
        return
    if response.status_code < 300:
        assert response.headers["content-type"].startswith("application/vnd.api+json")
    schema = {
        **documented["content"]["application/json"]["schema"],
        "components": SPEC_NOW["components"],
    }
    errors = sorted(Draft202012Validator(schema).iter_errors(response.json()), key=str)
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors]


async def test_every_operation_matches_the_spec(client: httpx.AsyncClient, shop: Shop) -> None:
    h = shop.headers
    tickets, one = "/v1/admin/tickets", "/v1/admin/tickets/{ticket}"
    messages, message = "/v1/admin/ticket-messages", "/v1/admin/ticket-messages/{ticketMessage}"

    r = await client.post(
        f"{BASE}/tickets", json={"subject": "Hosting", "user_id": shop.customer_id}, headers=h
    )
    check(r, "POST", tickets)
    ticket_id = r.json()["data"]["id"]
    check(await client.post(f"{BASE}/tickets", json={}, headers=h), "POST", tickets)
    m = await create_message(client, shop, ticket_id, shop.customer_id)
    await create_message(client, shop, ticket_id, shop.staff_id)
    other = await create_ticket(client, shop, assigned_to=shop.staff_id)

    for query in ("", "?include=messages,user,assigned_to&sort=-id", "?page=5"):
        check(await client.get(f"{BASE}/tickets{query}", headers=h), "GET", tickets)
    check(
        await client.get(f"{BASE}/tickets/{ticket_id}?include=messages,user", headers=h), "GET", one
    )
    check(
        await client.get(f"{BASE}/tickets/{other['id']}?include=assigned_to", headers=h), "GET", one
    )
    check(await client.get(f"{BASE}/tickets/0", headers=h), "GET", one)
    check(
        await client.put(f"{BASE}/tickets/{ticket_id}", json={"status": "closed"}, headers=h),
        "PUT",
        one,
    )
    check(
        await client.put(f"{BASE}/tickets/{ticket_id}", json={"priority": "x"}, headers=h),
        "PUT",
        one,
    )
    for query in ("", "?include=user,ticket,attachments"):
        check(await client.get(f"{BASE}/ticket-messages{query}", headers=h), "GET", messages)
    check(
        await client.get(f"{BASE}/ticket-messages/{m['id']}?include=user,ticket", headers=h),
        "GET",
        message,
    )
    r = await client.post(
        f"{BASE}/ticket-messages",
        json={"ticket_id": int(ticket_id), "user_id": shop.staff_id, "message": "Done."},
        headers=h,
    )
    check(r, "POST", messages)
    check(await client.post(f"{BASE}/ticket-messages", json={}, headers=h), "POST", messages)
    check(await client.delete(f"{BASE}/ticket-messages/{m['id']}", headers=h), "DELETE", message)
    check(await client.delete(f"{BASE}/tickets/{ticket_id}", headers=h), "DELETE", one)
    check(await client.delete(f"{BASE}/tickets/{ticket_id}", headers=h), "DELETE", one)


def test_committed_document_matches_code() -> None:
    doc = documents()["paymenter.json"]
    committed = (DOCS / "paymenter.json").read_text(encoding="utf-8")
    assert committed == render(doc), "paymenter.json drifted: run `make openapi` and commit it"


async def test_document_is_served_and_complete(client: httpx.AsyncClient) -> None:
    r = await client.get(f"{BASE}/schema")
    assert r.status_code == 200
    doc = r.json()
    ops = {(m.upper(), p) for p, item in doc["paths"].items() for m in item if m != "parameters"}
    assert {
        ("GET", f"{BASE}/tickets"),
        ("POST", f"{BASE}/tickets"),
        ("GET", f"{BASE}/tickets/{{ticket}}"),
        ("PUT", f"{BASE}/tickets/{{ticket}}"),
        ("PATCH", f"{BASE}/tickets/{{ticket}}"),
        ("DELETE", f"{BASE}/tickets/{{ticket}}"),
        ("GET", f"{BASE}/ticket-messages"),
        ("POST", f"{BASE}/ticket-messages"),
        ("GET", f"{BASE}/ticket-messages/{{ticketMessage}}"),
        ("DELETE", f"{BASE}/ticket-messages/{{ticketMessage}}"),
    } <= ops
    validate(doc)  # a valid OpenAPI 3.1 document
    r = await client.get("/api/docs/")
    assert f"{BASE}/schema/" in r.text


async def test_error_bodies_are_documented_as_sent(client: httpx.AsyncClient) -> None:
    """A missing key is answered ``{"error"}``, a bad one ``{"message"}``: 401 lists both."""
    doc = (await client.get("/api/v1/admin/schema")).json()
    unauthorized = doc["components"]["responses"]["Error401"]["content"]["application/json"]
    required = [s["required"] for s in unauthorized["schema"]["anyOf"]]
    assert required == [["message"], ["error"]]
    r = await client.get("/api/v1/admin/tickets")
    assert r.status_code == 401 and set(r.json()) == {"error"}
