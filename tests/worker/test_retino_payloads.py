"""Retino webhook payloads for a batch of events: each carries its own ticket as the API
shows it, and the batch is built with a bounded number of queries, not a few per ticket."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from tests.conftest import Tenant
from tests.factories import add_product, create_ticket
from ticketry.app import TicketryApp
from ticketry.domain.events.models import Event
from ticketry.domain.tickets.models import Ticket
from ticketry.worker.flavours import flavour_get


async def _events(app: TicketryApp, account_id: int) -> list[Event]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        return list(
            await session.scalars(
                select(Event).where(Event.account_id == account_id).order_by(Event.id)
            )
        )


async def _build(app: TicketryApp, events: list[Event]) -> dict[int, Any]:
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        return await flavour_get("retino").build(session, events)


async def test_batch_payloads_carry_their_own_tickets(
    client: httpx.AsyncClient, app: TicketryApp, tenant: Tenant, count_queries: Any
) -> None:
    tickets = [
        await create_ticket(client, tenant, order_id=f"ORD-{n}", customer={"email": f"{n}@x.cz"})
        for n in range(3)
    ]
    product = await add_product(client, tenant, tickets[1]["id"], name="Kettle")
    small = await _events(app, tenant.account_id)

    more = [await create_ticket(client, tenant, order_id=f"ORD-{n}") for n in range(3, 12)]
    events = await _events(app, tenant.account_id)
    assert len(events) > len(small)

    built = await _build(app, events)
    by_ticket = {t["id"]: t for t in [*tickets, *more]}
    for event in events:
        payload = built[event.id].payload
        ticket = payload["ticket"]
        assert ticket["id"] in by_ticket
        assert ticket["order_id"] == by_ticket[ticket["id"]]["order_id"]
        if payload["event_type"] == "ticket.product.created":
            assert payload["product"]["id"] == product["id"]
            assert [p["name"] for p in ticket["products"]] == ["Kettle"]

    # Four times the tickets, the same number of queries.
    with count_queries() as few:
        await _build(app, small)
    with count_queries() as many:
        await _build(app, events)
    assert many.count == few.count


async def test_deleted_ticket_gives_no_payload(
    client: httpx.AsyncClient, app: TicketryApp, tenant: Tenant
) -> None:
    kept = await create_ticket(client, tenant)
    gone = await create_ticket(client, tenant)
    assert app.runtime is not None
    async with app.runtime.sessionmaker() as session:
        row = await session.scalar(select(Ticket).where(Ticket.public_id == uuid.UUID(gone["id"])))
        assert row is not None
        gone_id = row.id
        await session.delete(row)
        await session.commit()
    events = await _events(app, tenant.account_id)
    built = await _build(app, [e for e in events if e.entity_type == "ticket"])
    payload_tickets = {b.payload["ticket"]["id"] for b in built.values()}
    assert payload_tickets == {kept["id"]}
    assert all(e.id not in built for e in events if e.ticket_id == gone_id)
