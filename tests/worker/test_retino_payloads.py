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
from ticketry.registries import webhook_flavours


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
        return await webhook_flavours()["retino"].build(session, events)


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


async def test_order_and_credit_note_payloads_are_built_per_batch(
    client: httpx.AsyncClient, app: TicketryApp, tenant: Tenant, count_queries: Any
) -> None:
    from decimal import Decimal

    from tests.api.retino.test_orders import SEED_ORDER, make_store, upsert
    from ticketry.domain.events.services import event_record
    from ticketry.domain.refunds.models import CreditNote

    await make_store(client, tenant)
    assert app.runtime is not None

    async def add(n: int) -> None:
        order = await upsert(client, tenant, {**SEED_ORDER, "code": f"ORD-{n}"})
        ticket = await create_ticket(client, tenant, order_id=f"ORD-{n}")
        async with app.runtime.sessionmaker() as session:  # type: ignore[union-attr]
            ticket_pk = await session.scalar(
                select(Ticket.id).where(Ticket.public_id == uuid.UUID(ticket["id"]))
            )
            note = CreditNote(
                account_id=tenant.account_id,
                ticket_id=ticket_pk,
                currency="CZK",
                language="cs",
                variable_symbol=f"2025{n:04d}",
                total=Decimal("100"),
                bank_account={},
                customer={"name": f"Customer {n}"},
                lines=[],
            )
            session.add(note)
            await session.flush()
            event_record(
                session,
                account_id=tenant.account_id,
                event_type="credit_note.updated",
                entity_type="credit_note",
                entity_id=note.id,
                ticket_id=ticket_pk,
            )
            await session.commit()
        expected[order["id"]] = f"ORD-{n}"
        expected[str(note.public_id)] = ticket["id"]

    expected: dict[str, str] = {}
    for n in range(2):
        await add(n)
    small = [e for e in await _events(app, tenant.account_id) if e.entity_type != "ticket"]
    for n in range(2, 8):
        await add(n)
    events = [e for e in await _events(app, tenant.account_id) if e.entity_type != "ticket"]
    built = await _build(app, events)
    orders = [b.payload["order"] for b in built.values() if "order" in b.payload]
    notes = [b.payload["credit_note"] for b in built.values() if "credit_note" in b.payload]
    assert len(orders) == 8 and len(notes) == 8
    assert all(expected[o["id"]] == o["code"] and o["store_id"] == "main-shop" for o in orders)
    assert all(expected[c["id"]] == c["ticket_id"] for c in notes)
    assert {c["order_id"] for c in notes} == {f"ORD-{n}" for n in range(8)}

    # Four times the orders and credit notes, the same number of queries.
    with count_queries() as few:
        await _build(app, small)
    with count_queries() as many:
        await _build(app, events)
    assert many.count == few.count
