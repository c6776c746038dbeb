"""Keeping a ticket's search text current: customer, code, order, products, tracking."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.search import search_document
from ticketry.domain.tickets.models import Shipment, Ticket, TicketItem, TicketSearchKey
from ticketry.domain.tickets.searchkeys import ticket_keys, ticket_keys_replace


def ticket_search_parts(ticket: Ticket) -> list[str | None]:
    return [
        ticket.code,
        ticket.customer_name,
        ticket.customer_email,
        ticket.customer_phone,
        ticket.order_id,
        ticket.subject,
        ticket.company,
    ]


async def ticket_search_refresh(
    session: AsyncSession, *, ticket: Ticket, new: bool = False
) -> None:
    """The ticket's search text and its exact keys (``searchkeys``), from what it holds now;
    ``new``: the ticket is being created (it has no keys yet)."""
    parts = ticket_search_parts(ticket)
    identifiers = [
        ticket.code,
        ticket.customer_email,
        ticket.customer_phone,
        ticket.from_email,
        ticket.order_id,
    ]
    items = await session.execute(
        select(TicketItem.name, TicketItem.product_id, TicketItem.ean, TicketItem.serial).where(
            TicketItem.ticket_id == ticket.id
        )
    )
    for row in items:
        parts.extend(row)
        identifiers.append(row.serial)
    tracking = list(
        await session.scalars(
            select(Shipment.tracking_number).where(Shipment.ticket_id == ticket.id)
        )
    )
    parts.extend(tracking)
    identifiers.extend(tracking)
    ticket.search_text = search_document(parts)
    keys = ticket_keys(identifiers)
    if new:
        if keys:
            await ticket_keys_replace(
                session, account_id=ticket.account_id, ticket_id=ticket.id, keys=keys, new=True
            )
        return
    held = set(
        await session.scalars(
            select(TicketSearchKey.key).where(TicketSearchKey.ticket_id == ticket.id)
        )
    )
    if held != keys:
        await ticket_keys_replace(
            session, account_id=ticket.account_id, ticket_id=ticket.id, keys=keys, new=False
        )
