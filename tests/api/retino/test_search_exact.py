"""Searching for an identifier (e-mail, phone, order number, ticket code) finds exactly the
tickets that have it, through the exact-key index; other text is a substring search."""

from __future__ import annotations

import httpx

from tests.conftest import Tenant
from tests.factories import create_ticket


async def _found(client: httpx.AsyncClient, tenant: Tenant, text: str) -> set[str]:
    r = await client.get("/api/v2/tickets/search", params={"search": text}, headers=tenant.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == len(body["results"])
    return {t["id"] for t in body["results"]}


async def test_identifiers_find_their_tickets(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    a = await create_ticket(
        client,
        tenant,
        customer={
            "name": "Jana Nová",
            "email": "Jana.Nova@Example.com",
            "phone": "+420 601 234 567",
        },
        order_id="OBJ-2025-0042",
    )
    b = await create_ticket(
        client,
        tenant,
        customer={"name": "Jan Starý", "email": "ajana.nova@example.com", "phone": "777888999"},
        order_id="OBJ-2025-00421",
    )
    await create_ticket(
        client, other_tenant, customer={"name": "X", "email": "jana.nova@example.com"}
    )
    assert await _found(client, tenant, "JANA.NOVA@example.com") == {a["id"]}
    for phone in ("601234567", "+420601234567", "601 234 567", "00420 601-234-567"):
        assert await _found(client, tenant, phone) == {a["id"]}, phone
    assert await _found(client, tenant, "obj-2025-0042") == {a["id"]}
    assert await _found(client, tenant, a["code"]) == {a["id"]}
    # Not one identifier: a substring search as before.
    assert await _found(client, tenant, "jana.nova@") == {a["id"], b["id"]}
    assert await _found(client, tenant, "OBJ-2025") == {a["id"], b["id"]}
    assert await _found(client, tenant, "starý") == {b["id"]}


async def test_keys_follow_the_ticket(client: httpx.AsyncClient, tenant: Tenant) -> None:
    t = await create_ticket(client, tenant, customer={"name": "A", "email": "old@example.com"})
    r = await client.patch(
        f"/api/v2/tickets/{t['id']}",
        json={"customer": {"email": "new@example.com"}},
        headers=tenant.headers,
    )
    assert r.status_code == 200, r.text
    assert await _found(client, tenant, "new@example.com") == {t["id"]}
    assert await _found(client, tenant, "old@example.com") == set()


async def test_a_nul_character_finds_nothing(client: httpx.AsyncClient, tenant: Tenant) -> None:
    await create_ticket(client, tenant, customer={"name": "A", "email": "nul@example.com"})
    for text in ("nul@example.com\x00", "abc\x00", "\x00"):
        assert await _found(client, tenant, text) == set()
