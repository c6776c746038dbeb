"""Building data through the API itself, as a client would."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import Tenant


async def lookup_ids(client: httpx.AsyncClient, tenant: Tenant, path: str) -> list[str]:
    r = await client.get(f"/api/v2/{path}", headers=tenant.headers)
    assert r.status_code == 200, r.text
    return [row["id"] for row in r.json()["results"]]


def ticket_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "customer": {"name": "Jan Novák", "email": "jan.novak@example.com", "phone": "123456789"},
        "currency": "CZK",
        "language": "cs",
        "country": "CZ",
        "order_id": "123456",
        "order_date": "2025-01-15T00:00:00.000Z",
    }
    body.update(overrides)
    return body


async def create_ticket(
    client: httpx.AsyncClient, tenant: Tenant, **overrides: Any
) -> dict[str, Any]:
    r = await client.post("/api/v2/tickets", json=ticket_body(**overrides), headers=tenant.headers)
    assert r.status_code == 201, r.text
    return r.json()


async def add_product(
    client: httpx.AsyncClient, tenant: Tenant, ticket_id: str, **overrides: Any
) -> dict[str, Any]:
    body = {
        "name": "MacBook Pro",
        "amount": "1.0000",
        "price": {"with_vat": "45000.0000"},
        "product_id": "MBP-2024",
        "manufacturer": "Apple",
        "category": "Notebooky",
        "variant": "Space Black",
    }
    body.update(overrides)
    r = await client.post(
        f"/api/v2/tickets/{ticket_id}/products", json=body, headers=tenant.headers
    )
    assert r.status_code == 201, r.text
    return r.json()
