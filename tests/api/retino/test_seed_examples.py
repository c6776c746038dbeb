"""Every curl example of the Retino Tickets API document (seed 000), reproduced.

Responses are checked against the document's example JSON: the same field names and
nesting, UUID ids, decimal strings with four places, ISO timestamps, null where it has null.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from tests.api.retino.test_notes import make_credit_note
from tests.conftest import Tenant
from tests.factories import lookup_ids

SEED_TICKET = json.loads(
    """{ "id": "8fad1c8d-3740-4aab-a224-c0ef379ea216", "code": "20210001",
    "state": "4531636a-108f-4ae3-abff-367901418600",
    "tags": [ "3fa85f64-5717-4562-b3fc-2c963f66afa6" ],
    "type": "44c88eec-b995-4c84-b269-2ff06c8fe5d5",
    "owner": "e342f794-7b11-4acc-a46e-784a74a30af2", "bound_order": null,
    "products": [ { "id": "09c69980-299d-4d37-81d5-ed18c9565856", "bound_order_item": null,
      "price": { "with_vat": "990000000.0000", "without_vat": null, "vat": null },
      "files": [], "name": "Apollo 11", "manufacturer": "NASA", "category": "Rakety",
      "product_id": "#1", "variant": "XL", "ean": "", "serial": null, "amount": "1.0000",
      "custom_fields": { "1b8508b0-ba85-427c-b23c-ae739453b0cd":
                         "74ea523e-ea95-44d4-85ff-758c485ff77d" } } ],
    "shipping": [],
    "customer": { "name": "Vladimír Remek", "email": "remek@example.com",
                  "phone": "987654321" },
    "currency": "CZK", "language": "cs", "country": "CZ", "order_id": "234567",
    "order_date": "2020-09-09T00:00:00.000Z", "customer_rating": null,
    "customer_rating_comment": null, "custom_fields": { "resolve_by": "2020-10-08" },
    "verification_state": "VERIFIED_AUTOMATICALLY", "is_unread": false,
    "created_at": "2020-09-24T11:30:53.210107+02:00",
    "updated_at": "2020-09-24T11:30:53.525472+02:00", "closed_at": null }"""
)
SEED_PRODUCT = SEED_TICKET["products"][0]
ENVELOPE = {"count", "current_page", "total_pages", "results"}

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_DECIMAL4 = re.compile(r"^-?\d+\.\d{4}$")
_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, str):
        if _UUID.match(value):
            return "uuid"
        if _DECIMAL4.match(value):
            return "decimal"
        if _DATETIME.match(value):
            datetime.fromisoformat(value.replace("Z", "+00:00"))
            return "datetime"
        return "str"
    return type(value).__name__


def assert_same_shape(example: Any, actual: Any, where: str = "$") -> None:
    """``actual`` has every field of ``example``, nested alike, with values of its kind."""
    if isinstance(example, dict):
        assert isinstance(actual, dict), where
        if all(_UUID.match(k) for k in example) and example:
            # Keyed by ids (custom fields): the keys are ids, the values alike.
            assert actual and all(_UUID.match(k) for k in actual), where
            for k, v in actual.items():
                assert_same_shape(next(iter(example.values())), v, f"{where}.{k}")
            return
        missing = set(example) - set(actual)
        assert not missing, f"{where}: missing {missing}"
        for key, value in example.items():
            assert_same_shape(value, actual[key], f"{where}.{key}")
    elif isinstance(example, list):
        assert isinstance(actual, list), where
        if example:
            assert actual, f"{where}: empty"
            for item in actual:
                assert_same_shape(example[0], item, f"{where}[]")
    else:
        assert _kind(actual) == _kind(example), f"{where}: {actual!r} is not like {example!r}"


@pytest.fixture
async def seed_ticket(client: httpx.AsyncClient, tenant: Tenant) -> dict[str, Any]:
    """The document's example ticket (Vladimír Remek and his Apollo 11), built via the API."""
    (type_id, *_) = await lookup_ids(client, tenant, "types")
    (tag_id, *_) = await lookup_ids(client, tenant, "tags")
    (owner_id,) = await lookup_ids(client, tenant, "users")
    fields = (await client.get("/api/v2/product-custom-fields", headers=tenant.headers)).json()
    field = fields["results"][0]
    r = await client.post(
        "/api/v2/tickets",
        json={
            "customer": SEED_TICKET["customer"],
            "currency": "CZK",
            "language": "cs",
            "country": "CZ",
            "order_id": "234567",
            "order_date": "2020-09-09T00:00:00.000Z",
            "type": type_id,
            "owner": owner_id,
            "tags": [tag_id],
            "custom_fields": {"resolve_by": "2020-10-08"},
            "products": [
                {
                    **{k: SEED_PRODUCT[k] for k in ("name", "manufacturer", "category")},
                    **{k: SEED_PRODUCT[k] for k in ("product_id", "variant", "ean", "amount")},
                    "price": {"with_vat": "990000000.0000"},
                    "custom_fields": {field["id"]: field["options"][0]["id"]},
                }
            ],
        },
        headers=tenant.headers,
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_list(client: httpx.AsyncClient, tenant: Tenant, seed_ticket: dict) -> None:
    r = await client.get("/api/v2/tickets", headers=tenant.headers)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == ENVELOPE
    assert (body["count"], body["current_page"], body["total_pages"]) == (1, 1, 1)
    (ticket,) = body["results"]
    assert_same_shape(SEED_TICKET, ticket)
    assert ticket["products"][0]["price"]["with_vat"] == "990000000.0000"
    assert ticket["products"][0]["amount"] == "1.0000"
    assert ticket["order_date"].startswith("2020-09-09T00:00:00")
    assert ticket["custom_fields"] == {"resolve_by": "2020-10-08"}
    assert ticket["customer"] == SEED_TICKET["customer"]


async def test_create(client: httpx.AsyncClient, tenant: Tenant) -> None:
    (type_id, *_) = await lookup_ids(client, tenant, "types")
    r = await client.post(
        "/api/v2/tickets",
        content=(
            '{ "customer": { "name": "Jan Novák", "email": "jan@example.com", '
            '"phone": "123456789" }, "currency": "CZK", "language": "cs", "country": "CZ", '
            '"order_id": "123456", "order_date": "2025-01-15T00:00:00.000Z", '
            f'"type": "{type_id}" }}'
        ).encode(),
        headers={**tenant.headers, "Content-type": "application/json"},
    )
    assert r.status_code == 201, r.text
    ticket = r.json()
    expected = {**SEED_TICKET, "products": [], "tags": [], "owner": None, "custom_fields": {}}
    assert_same_shape(expected, ticket)
    assert ticket["type"] == type_id and ticket["products"] == [] and ticket["owner"] is None


async def test_search(client: httpx.AsyncClient, tenant: Tenant, seed_ticket: dict) -> None:
    r = await client.get("/api/v2/tickets/search?search=Vladimir+Remek", headers=tenant.headers)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == ENVELOPE and body["count"] == 1
    (ticket,) = body["results"]
    assert ticket["id"] == seed_ticket["id"]
    assert_same_shape(SEED_TICKET, ticket)


async def test_detail(client: httpx.AsyncClient, tenant: Tenant, seed_ticket: dict) -> None:
    r = await client.get(f"/api/v2/tickets/{seed_ticket['id']}", headers=tenant.headers)
    assert r.status_code == 200
    assert r.json() == seed_ticket
    assert_same_shape(SEED_TICKET, r.json())


async def test_patch_state(client: httpx.AsyncClient, tenant: Tenant, seed_ticket: dict) -> None:
    states = await lookup_ids(client, tenant, "states")
    r = await client.patch(
        f"/api/v2/tickets/{seed_ticket['id']}",
        content=f'{{"state": "{states[1]}"}}'.encode(),
        headers={**tenant.headers, "Content-type": "application/json"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["state"] == states[1]
    assert_same_shape(SEED_TICKET, r.json())


async def test_close(client: httpx.AsyncClient, tenant: Tenant, seed_ticket: dict) -> None:
    r = await client.post(f"/api/v2/tickets/{seed_ticket['id']}/close", headers=tenant.headers)
    assert r.status_code == 200
    closed = r.json()
    assert _kind(closed["closed_at"]) == "datetime"
    assert_same_shape({**SEED_TICKET, "closed_at": closed["closed_at"]}, closed)


async def test_products(client: httpx.AsyncClient, tenant: Tenant, seed_ticket: dict) -> None:
    base = f"/api/v2/tickets/{seed_ticket['id']}/products"
    r = await client.get(base, headers=tenant.headers)
    assert r.status_code == 200
    (apollo,) = r.json()
    assert_same_shape(SEED_PRODUCT, apollo)

    r = await client.post(
        base,
        content=(
            b'{ "name": "MacBook Pro", "amount": "1.0000", "price": { "with_vat": "45000.0000" }, '
            b'"product_id": "MBP-2024", "manufacturer": "Apple", "category": "Notebooky", '
            b'"variant": "Space Black" }'
        ),
        headers={**tenant.headers, "Content-type": "application/json"},
    )
    assert r.status_code == 201, r.text
    macbook = r.json()
    assert_same_shape({**SEED_PRODUCT, "custom_fields": {}}, macbook)
    assert macbook["price"] == {"with_vat": "45000.0000", "without_vat": None, "vat": None}

    r = await client.get(f"{base}/{macbook['id']}", headers=tenant.headers)
    assert r.status_code == 200 and r.json() == macbook

    r = await client.patch(
        f"{base}/{macbook['id']}",
        content=b'{ "amount": "2.0000", "price": { "with_vat": "90000.0000" } }',
        headers={**tenant.headers, "Content-type": "application/json"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["amount"] == "2.0000" and r.json()["price"]["with_vat"] == "90000.0000"

    r = await client.delete(f"{base}/{macbook['id']}", headers=tenant.headers)
    assert r.status_code == 204
    r = await client.get(base, headers=tenant.headers)
    assert [p["id"] for p in r.json()] == [apollo["id"]]


async def test_internal_note(client: httpx.AsyncClient, tenant: Tenant, seed_ticket: dict) -> None:
    r = await client.post(
        "/api/v2/internal-note",
        content=(
            f'{{ "ticket": "{seed_ticket["id"]}", '
            '"text": "Note about the ticket that the customer will not see." }'
        ).encode(),
        headers={**tenant.headers, "Content-type": "application/json"},
    )
    assert r.status_code == 201, r.text
    assert r.json()["ticket"] == seed_ticket["id"]
    assert _kind(r.json()["id"]) == "uuid" and _kind(r.json()["created_at"]) == "datetime"


async def test_credit_note(
    client: httpx.AsyncClient, db: AsyncSession, tenant: Tenant, seed_ticket: dict
) -> None:
    note_id = await make_credit_note(db, tenant, seed_ticket["id"])
    # The document's example value, without its "…": the start of a PDF.
    r = await client.patch(
        f"/api/v2/retino-credit-notes/{note_id}",
        content=b'{ "file_base64": "JVBERi0xLjUKJdDUxdgKNSAwIG9iago8PC9GaWx0ZXIv" }',
        headers={**tenant.headers, "Content-type": "application/json"},
    )
    assert r.status_code == 200, r.text
    note = r.json()
    assert note["id"] == note_id and note["ticket_id"] == seed_ticket["id"]
    assert note["file"].endswith(f"/api/v2/retino-credit-notes/{note_id}/file")
    r = await client.get(note["file"], headers=tenant.headers)
    assert r.status_code == 200 and r.content.startswith(b"%PDF-1.5")


@pytest.mark.parametrize(
    "path",
    [
        "states",
        "tags",
        "types",
        "users",
        "custom-fields",
        "product-custom-fields",
        "shipping-routes",
        "shipping-types",
        "refund-accounts",
    ],
)
async def test_lookup(client: httpx.AsyncClient, tenant: Tenant, path: str) -> None:
    r = await client.get(f"/api/v2/{path}", headers=tenant.headers)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == ENVELOPE and body["results"]
    for row in body["results"]:
        assert _kind(row["id"]) == "uuid"
        uuid.UUID(row["id"])


async def test_pagination(client: httpx.AsyncClient, tenant: Tenant) -> None:
    made = []
    for n in range(23):
        r = await client.post(
            "/api/v2/tickets",
            json={"customer": {"email": f"c{n}@example.com"}, "currency": "CZK", "language": "cs"},
            headers=tenant.headers,
        )
        assert r.status_code == 201
        made.append(r.json()["id"])
    r = await client.get("/api/v2/tickets?page=2&page_size=10", headers=tenant.headers)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == ENVELOPE
    assert (body["count"], body["current_page"], body["total_pages"]) == (23, 2, 3)
    assert [t["id"] for t in body["results"]] == list(reversed(made))[10:20]
