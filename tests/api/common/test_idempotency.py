"""Idempotency-Key over HTTP: replay, conflict, concurrent duplicates."""

from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.conftest import Tenant
from tests.factories import create_ticket, ticket_body
from ticketry.app import TicketryApp


async def _count(client: httpx.AsyncClient, tenant: Tenant) -> int:
    r = await client.get("/api/v2/tickets", headers=tenant.headers)
    return int(r.json()["count"])


async def test_retry_with_same_key_replays_without_writing(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = {**tenant.headers, "Idempotency-Key": str(uuid.uuid4())}
    first = await client.post("/api/v2/tickets", json=ticket_body(), headers=headers)
    assert first.status_code == 201
    again = await client.post("/api/v2/tickets", json=ticket_body(), headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["content-type"] == first.headers["content-type"]
    assert "idempotent-replayed" not in first.headers
    assert await _count(client, tenant) == 1


async def test_same_key_different_body_is_409(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "order-42"}
    r = await client.post("/api/v2/tickets", json=ticket_body(), headers=headers)
    assert r.status_code == 201
    r = await client.post("/api/v2/tickets", json=ticket_body(order_id="999"), headers=headers)
    assert r.status_code == 409
    assert r.json() == {"detail": "This Idempotency-Key was already used with a different request."}
    assert await _count(client, tenant) == 1


async def test_keys_belong_to_their_token(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant
) -> None:
    key = {"Idempotency-Key": "shared-key"}
    a = await client.post("/api/v2/tickets", json=ticket_body(), headers={**tenant.headers, **key})
    b = await client.post(
        "/api/v2/tickets", json=ticket_body(), headers={**other_tenant.headers, **key}
    )
    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]


async def test_patch_replay(client: httpx.AsyncClient, tenant: Tenant) -> None:
    ticket = await create_ticket(client, tenant)
    headers = {**tenant.headers, "Idempotency-Key": "patch-1"}
    url = f"/api/v2/tickets/{ticket['id']}"
    first = await client.patch(url, json={"customer": {"name": "Eva"}}, headers=headers)
    assert first.status_code == 200
    second = await client.patch(url, json={"customer": {"name": "Eva"}}, headers=headers)
    assert second.json() == first.json()  # same updated_at: nothing was written again
    assert second.headers["idempotent-replayed"] == "true"


async def test_validation_errors_are_replayed_and_5xx_not_stored(
    client: httpx.AsyncClient, tenant: Tenant
) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "bad-1"}
    r1 = await client.post("/api/v2/tickets", json={}, headers=headers)
    r2 = await client.post("/api/v2/tickets", json={}, headers=headers)
    assert r1.status_code == r2.status_code == 400 and r1.json() == r2.json()
    r = await client.post("/api/v2/tickets", json=ticket_body(), headers={**headers})
    assert r.status_code == 409


async def test_key_too_long(client: httpx.AsyncClient, tenant: Tenant) -> None:
    headers = {**tenant.headers, "Idempotency-Key": "k" * 256}
    r = await client.post("/api/v2/tickets", json=ticket_body(), headers=headers)
    assert r.status_code == 400 and "Idempotency-Key" in r.json()["detail"]


async def test_concurrent_duplicates_write_once(app: TicketryApp, tenant: Tenant) -> None:
    headers = {**tenant.headers, "Idempotency-Key": str(uuid.uuid4())}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
        responses = await asyncio.gather(
            *[c.post("/api/v2/tickets", json=ticket_body(), headers=headers) for _ in range(6)]
        )
        ok = [r for r in responses if r.status_code == 201]
        assert ok, [r.text for r in responses]
        assert all(r.status_code in (201, 409) for r in responses)
        assert len({r.json()["id"] for r in ok}) == 1
        assert await _count(c, tenant) == 1
