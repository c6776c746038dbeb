"""Keeping a ticket's search text current: customer, code, order, products, tracking."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ticketry.domain.search import search_document
from ticketry.domain.tickets.models import Shipment, Ticket, TicketItem


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


async def ticket_search_refresh(session: AsyncSession, *, ticket: Ticket) -> None:
    parts = ticket_search_parts(ticket)
    items = await session.execute(
        select(TicketItem.name, TicketItem.product_id, TicketItem.ean, TicketItem.serial).where(
            TicketItem.ticket_id == ticket.id
        )
    )
    for row in items:
        parts.extend(row)
    tracking = await session.scalars(
        select(Shipment.tracking_number).where(Shipment.ticket_id == ticket.id)
    )
    parts.extend(tracking)
    ticket.search_text = search_document(parts)
