"""One ticket, two faces: what Paymenter writes Retino reads, and the other way round."""

from __future__ import annotations

import uuid

import httpx
from sqlalchemy import select

from tests.api.paymenter.conftest import BASE, Shop, create_message, create_ticket
from tests.factories import ticket_body
from ticketry.app import TicketryApp
from ticketry.domain.tickets.models import Ticket


async def _public_id(app: TicketryApp, ticket_id: str) -> str:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        return str(
            await session.scalar(select(Ticket.public_id).where(Ticket.id == int(ticket_id)))
        )


async def test_paymenter_write_reads_the_same_in_retino(
    app: TicketryApp, client: httpx.AsyncClient, shop: Shop
) -> None:
    ticket = await create_ticket(
        client, shop, subject="Billing question", priority="high", assigned_to=shop.staff_id
    )
    public_id = await _public_id(app, ticket["id"])
    retino = (await client.get(f"/api/v2/tickets/{public_id}", headers=shop.tenant.headers)).json()
    assert retino["customer"]["email"] == "john.doe@example.com"
    assert retino["customer"]["name"] == "John Doe"
    assert retino["owner"] == str(shop.staff_user_public_id)
    states = (await client.get("/api/v2/states", headers=shop.tenant.headers)).json()["results"]
    state_name = {s["id"]: s["name"]["en"] for s in states}  # the account's default states
    assert state_name[retino["state"]] == "New"

    await create_message(client, shop, ticket["id"], shop.staff_id)  # replied = pending
    retino = (await client.get(f"/api/v2/tickets/{public_id}", headers=shop.tenant.headers)).json()
    assert state_name[retino["state"]] == "Waiting for customer"  # pending
    r = await client.put(
        f"{BASE}/tickets/{ticket['id']}", json={"status": "closed"}, headers=shop.headers
    )
    assert r.status_code == 200
    retino = (await client.get(f"/api/v2/tickets/{public_id}", headers=shop.tenant.headers)).json()
    assert retino["closed_at"] is not None and state_name[retino["state"]] == "Closed"


async def test_retino_write_reads_the_same_in_paymenter(
    app: TicketryApp, client: httpx.AsyncClient, shop: Shop
) -> None:
    r = await client.post(
        "/api/v2/tickets",
        json=ticket_body(customer={"name": "Jan Novák", "email": "jan@example.com"}),
        headers=shop.tenant.headers,
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        ticket_id = await session.scalar(
            select(Ticket.id).where(Ticket.public_id == uuid.UUID(created["id"]))
        )
    r = await client.get(f"{BASE}/tickets/{ticket_id}?include=user", headers=shop.headers)
    assert r.status_code == 200
    doc = r.json()
    assert doc["data"]["attributes"]["status"] == "open"  # new shows as open
    person = doc["included"][0]["attributes"]
    assert (person["first_name"], person["last_name"], person["email"]) == (
        "Jan",
        "Novák",
        "jan@example.com",
    )
    r = await client.post(f"/api/v2/tickets/{created['id']}/close", headers=shop.tenant.headers)
    assert r.status_code == 200
    r = await client.get(f"{BASE}/tickets/{ticket_id}", headers=shop.headers)
    assert r.json()["data"]["attributes"]["status"] == "closed"
    r = await client.get(f"{BASE}/tickets?filter[status]=closed", headers=shop.headers)
    assert str(ticket_id) in [t["id"] for t in r.json()["data"]]
